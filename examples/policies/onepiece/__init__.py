"""OnePiece-style ranker for personalised search (arXiv 2509.18091), in PyTorch."""
