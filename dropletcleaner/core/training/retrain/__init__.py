"""Local retraining from the user's labels: fast (new head on stored embeddings) or deep.

**Fast retrain** (:mod:`.fast`) trains a new droplet head on the pooled embeddings the
catalog already holds for the photos the user labelled, mixed with the replay set of
base-training embeddings kept beside the model so that it does not forget: there the head
learns the current model's own predictions, so it keeps the current temperature and
threshold, which were chosen on real clean photos. The user's labels and the replay set each
carry half of the loss, split evenly between the two classes (class weights); the loss uses
label smoothing, and the head is pulled towards the current head (an L2 anchor) so that a few
labels nudge it rather than overturn it (:mod:`.heads`). Held-out figures come from
stratified k-fold cross-validation over the user's labels (repeated when there are few); the
fold heads and the final head train together in one stacked pass and are calibrated the same
way, so the held-out figures describe the model that would be installed. (``calibration=
"replay"`` instead fits the replay labels and refits temperature and threshold on replay
examples no head trains on; a benchmark compares the two.)

**Deep retrain** (:mod:`.deep`) fine-tunes the last backbone block on the labelled photos
themselves plus synthetic droplets rendered on the user's clean-labelled photos, holding out
a quarter of the labels. Its embeddings differ from the stored ones (:mod:`.versions`), so
the catalog is re-scored at the next scan instead of from the catalog.

**The accept rule** (:mod:`.accept`) keeps a new model only if it is no worse than the
current one on the held-out labels the current model never learned from (and, with a replay
set, does not forget the base examples), and says why. Accepted models are versioned under
``user_data_dir/models/`` (:mod:`dropletcleaner.core.ml.store`, :mod:`.result`), and
:mod:`.rescore` re-scores every stored embedding without decoding a photo.

Both trainers are generators of :class:`~dropletcleaner.core.jobs.Progress` whose return
value is the :class:`~.result.RetrainResult`; :func:`~dropletcleaner.core.jobs.run_job`
drives one to the end.
"""
