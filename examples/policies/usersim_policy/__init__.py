"""usersim_policy: serve a recommender to usersim over the usersim.policy.v1 protocol.

Standard library only. Subclass :class:`Policy`, then ``serve(MyPolicy())``; see
docs/external-policies.md and the servers next to this package (knn_server.py,
rearec/, lightgcn/).

    from usersim_policy import Policy, serve, top_k

    class Newest(Policy):
        name = "newest"

        def reset(self, run, catalog_size, agents, slate):
            self.ids = list(range(catalog_size))  # the score of an item is its id

        def recommend(self, users, k, round, seed):
            return [top_k(self.ids, k, exclude=u.history, candidates=u.candidates) for u in users]

    serve(Newest())
"""

from .data import DataError, GraphData, SequenceData, SequenceRow, read_graph, read_sequences, write_graph, write_sequences
from .metrics import mean_metrics, user_metrics
from .policy import Consumed, Policy, top_k
from .protocol import PROTOCOL, Interaction, ProtocolError, Run, User
from .server import PolicyHTTPServer, PolicyService, serve

__all__ = [
    "PROTOCOL", "Consumed", "DataError", "GraphData", "Interaction", "Policy", "PolicyHTTPServer", "PolicyService", "ProtocolError",
    "Run", "SequenceData", "SequenceRow", "User", "mean_metrics", "read_graph", "read_sequences", "serve", "top_k",
    "user_metrics", "write_graph", "write_sequences",
]
