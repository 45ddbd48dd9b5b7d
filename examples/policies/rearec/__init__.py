"""SASRec with ReaRec's inference-time reasoning (ERL), in PyTorch: model, train.py, serve.py."""
