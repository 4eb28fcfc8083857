"""The main window's widgets: toolbar, grid and detail panel, welcome page, status bar."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QStackedWidget,
    QStyle,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dropletcleaner.gui.detail.panel import DetailPanel
from dropletcleaner.gui.elided_label import ElidedLabel
from dropletcleaner.gui.errors_panel import ErrorsPanel
from dropletcleaner.gui.grid.delegate import PhotoDelegate
from dropletcleaner.gui.grid.model import (
    FILTER_TITLES,
    SORT_TITLES,
    UNCERTAIN_BAND,
    Filter,
    SortKey,
)
from dropletcleaner.gui.grid.view import PhotoGrid
from dropletcleaner.gui.notifier import MessageBar
from dropletcleaner.gui.threshold_info import ThresholdInfo
from dropletcleaner.gui.window.parts import WindowParts


class UiMixin(WindowParts):
    """The main window's widgets: toolbar, grid and detail panel, welcome page, status bar."""

    def _std_icon(self, kind: QStyle.StandardPixmap, theme: str = "") -> QIcon:
        fallback = self.style().standardIcon(kind)
        return QIcon.fromTheme(theme, fallback) if theme else fallback

    def _build_ui(self) -> None:
        self._build_toolbar()
        self._build_centre()
        self._build_errors_dock()
        self._build_status_bar()

    def _build_toolbar(self) -> None:
        """Folder, scan and review controls."""
        bar = QToolBar("Main")
        bar.setObjectName("main-toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addAction(self.open_action)
        bar.addAction(self.rescan_action)
        bar.addAction(self.quarantine_action)  # early: narrow windows overflow the end
        bar.addSeparator()
        # The threshold and its counts first: a narrow window overflows the toolbar's end
        # into a menu, and Show and Sort by are also in the View menu; the slider is not.
        # Each name goes with its control (_labelled): overflowed, the two go together, and
        # no "Sort by" is left on the toolbar naming a menu that is out of sight.
        self.threshold_slider = QSlider(Qt.Orientation.Horizontal)
        self.threshold_slider.setRange(1, 99)
        self.threshold_slider.setValue(50)
        self.threshold_slider.setFixedWidth(120)
        self.threshold_label = QLabel()
        self.threshold_label.setMinimumWidth(48)
        bar.addWidget(_labelled(" Threshold ", self.threshold_slider, self.threshold_label))
        self.counts_label = QLabel()
        self.counts_label.setToolTip(
            "Flagged photos at this threshold, of all photos in the folder. “Just under”: "
            f"unlabelled photos scored within {UNCERTAIN_BAND:.2f} below it, which a look at "
            "100 % settles; the Uncertain filter shows them"
        )
        font = self.counts_label.font()
        font.setBold(True)
        self.counts_label.setFont(font)
        bar.addWidget(self.counts_label)
        bar.addSeparator()
        self.filter_combo = QComboBox()
        # Sized once for the longest title with a six-digit count: it never shifts the toolbar.
        longest = max(FILTER_TITLES.values(), key=len) + " (99,999)"
        self.filter_combo.setFixedWidth(
            self.filter_combo.fontMetrics().horizontalAdvance(longest) + 40
        )
        for kind in Filter:
            self.filter_combo.addItem(FILTER_TITLES[kind], kind.value)
        self.filter_combo.setToolTip("Which photos the grid shows")
        bar.addWidget(_labelled(" Show ", self.filter_combo))
        self.sort_combo = QComboBox()
        for sort_key in SortKey:
            self.sort_combo.addItem(SORT_TITLES[sort_key], sort_key.value)
        bar.addWidget(_labelled("  Sort by ", self.sort_combo))
        # Said in the status bar, not here: the full toolbar would push it into its overflow
        # menu, out of sight.
        self.threshold_info = ThresholdInfo(self.threshold_slider)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.addToolBar(bar)
        self.toolbar = bar

    def _build_centre(self) -> None:
        """Banners and messages above either the welcome page or the grid."""
        self.untrained_banner = _Banner(
            "<b>No trained droplet model — scores are meaningless.</b> The app is running an "
            "untrained model head: use the scores only to try the app, and do not quarantine "
            "by them."
        )
        self.untrained_banner.hide()
        self.message_bar = MessageBar(self.notifier)

        self.grid = PhotoGrid()
        self.grid.setModel(self.model)
        self.delegate = PhotoDelegate(self.grid)
        self.grid.setItemDelegate(self.delegate)
        self.grid.open_requested = self.toggle_detail_mode

        self.detail = DetailPanel()
        self.detail.setMinimumWidth(320)
        self.detail.set_map_source(self._droplet_map_of)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.grid)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        self.welcome = self._build_welcome()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.splitter)

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.untrained_banner)
        column.addWidget(self.message_bar)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)

    def _build_errors_dock(self) -> None:
        """The unreadable files, docked below."""
        self.errors_panel = ErrorsPanel()
        self.errors_dock = QDockWidget("Unreadable files", self)
        self.errors_dock.setObjectName("errors-dock")
        self.errors_dock.setWidget(self.errors_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.errors_dock)
        self.errors_dock.hide()
        self.errors_action = self.errors_dock.toggleViewAction()
        self.errors_action.setText("&Unreadable Files")

    def _build_status_bar(self) -> None:
        """The summary on the left; expected false alarms, scan progress, errors, stop right."""
        status = self.statusBar()
        # Elided, not cut, when the window is narrow: "… (16.3/s), 0" would read as a count.
        self.summary_label = ElidedLabel()
        status.addWidget(self.summary_label, 1)
        self.scan_label = QLabel()
        self.scan_bar = QProgressBar()
        self.scan_bar.setFixedWidth(220)
        self.scan_bar.setTextVisible(False)
        self.stop_button = QToolButton()
        self.stop_button.setDefaultAction(self.stop_action)
        self.stop_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.errors_button = QToolButton()
        self.errors_button.setAutoRaise(True)
        self.errors_button.setIcon(self._std_icon(QStyle.StandardPixmap.SP_MessageBoxWarning))
        self.errors_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.errors_button.clicked.connect(lambda: self.errors_dock.setVisible(True))
        self.errors_button.hide()
        # Beside the summary, not among the permanent widgets: a passing message (a hint, a
        # tip) replaces both, and keeps the room the scan's progress leaves it.
        status.addWidget(self.threshold_info)  # hidden until it has a figure
        status.messageChanged.connect(self.threshold_info.message_changed)
        for w in (self.scan_label, self.scan_bar, self.stop_button):
            status.addPermanentWidget(w)
            w.hide()
        status.addPermanentWidget(self.errors_button)

    def _build_welcome(self) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.addStretch(2)
        icon = QLabel()
        icon.setPixmap(self.windowIcon().pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome_icon = icon
        title = QLabel("Find the photos water on the lens spoiled")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(
            "Open a folder of photos. DropletCleaner scans it on this computer, scores every "
            "photo for rain, spray or condensation on the lens, and shows the worst first.<br>"
            "Review with the keyboard — <b>D</b> droplet, <b>C</b> clean, <b>Q</b> quarantine, "
            "<b>Ctrl+Z</b> undo. Quarantined photos are moved aside, never deleted."
        )
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setFixedWidth(560)  # a fixed width lets the wrapped text get its full height
        text.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        button = QPushButton(self.open_action.icon(), "Open Folder…")
        button.setDefault(True)
        button.clicked.connect(self.choose_folder)
        self.recent_box = QVBoxLayout()
        self.recent_box.setSpacing(2)
        col = QVBoxLayout()
        col.setSpacing(12)
        col.addWidget(icon)
        col.addWidget(title)
        # Centred by stretches, not by an alignment flag, so the wrapped text keeps its height.
        text_row = QHBoxLayout()
        text_row.addStretch(1)
        text_row.addWidget(text)
        text_row.addStretch(1)
        col.addLayout(text_row)
        col.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        col.addLayout(self.recent_box)
        outer.addLayout(col)
        outer.addStretch(3)
        return page

    def _rebuild_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_folders()
        for folder in recent:
            act = self.recent_menu.addAction(folder)
            act.triggered.connect(lambda _c=False, f=folder: self.open_folder(f))
        self.recent_menu.setEnabled(bool(recent))
        if recent:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction("Clear Recent Folders")
            clear.triggered.connect(self._clear_recent)
        while self.recent_box.count():
            item = self.recent_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if recent:
            heading = QLabel("Recent folders")
            heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
            heading.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            self.recent_box.addWidget(heading)
            for folder in recent[:5]:
                link = QPushButton(folder)
                link.setFlat(True)
                link.setCursor(Qt.CursorShape.PointingHandCursor)
                link.clicked.connect(lambda _c=False, f=folder: self.open_folder(f))
                self.recent_box.addWidget(link, 0, Qt.AlignmentFlag.AlignHCenter)

    def _clear_recent(self) -> None:
        self.settings.clear_recent_folders()
        self._rebuild_recent()


def _labelled(name: str, *controls: QWidget) -> QWidget:
    """``name`` and its ``controls`` as one toolbar item, so they overflow as one."""
    group = QWidget()
    # Never wider than its parts: the room an overflowing toolbar has left over would
    # otherwise open gaps between a name and its control.
    group.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
    row = QHBoxLayout(group)
    row.setContentsMargins(0, 0, 0, 0)
    # Spaced as the toolbar spaces its items: the same look as when each was one of them.
    row.setSpacing(group.style().pixelMetric(QStyle.PixelMetric.PM_ToolBarItemSpacing))
    label = QLabel(name)
    label.setBuddy(controls[0])
    row.addWidget(label)
    for control in controls:
        row.addWidget(control)
    return group


class _Banner(QFrame):
    """A full-width warning line (the untrained-model notice)."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setAutoFillBackground(True)
        pal = self.palette()
        # Amber with near-black text reads the same in dark and light themes.
        pal.setColor(QPalette.ColorRole.Window, QColor(255, 214, 102))
        pal.setColor(QPalette.ColorRole.WindowText, QColor(32, 26, 0))
        self.setPalette(pal)
        icon = QLabel()
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(22, 22)
        )
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        row.addWidget(icon)
        row.addWidget(self.label, 1)
