"""Batched droplet scoring: one backend per module behind :class:`protocol.DropletScorer`.

``scorer.Scorer`` picks the fastest backend for the device (CUDA half precision, else
onnxruntime, else TorchScript, else eager torch); ``fake.FakeScorer`` stands in for tests
that exercise the app around the model rather than the model itself.
"""
