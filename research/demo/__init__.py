"""The demo company, one module per stage of a study; ``build`` puts them together."""
