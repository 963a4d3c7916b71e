"""The questions the app offers on its first screen, each with the terms that answer it (a test holds the
product to them: an example that answers wrong is worse than none)."""

EXAMPLES: dict[str, frozenset[str]] = {
    "how do I measure wait time": frozenset({"Wait Time", "Queue Time", "Average Speed of Answer"}),
    "what is NPS": frozenset({"Net Promoter Score"}),
    "CSAT vs NPS": frozenset({"Customer Satisfaction Score", "Customer Satisfaction", "Net Promoter Score"}),
    "how fast do we answer calls": frozenset({"Average Speed of Answer"}),
    "avrage handel time": frozenset({"Average Handle Time"}),
}
