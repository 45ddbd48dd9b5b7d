"""LightGCN with RGCL-style adversarial-contrastive regularisation, in PyTorch: model, train.py, serve.py."""
