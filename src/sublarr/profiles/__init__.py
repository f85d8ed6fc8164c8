"""Language profiles: which subtitle languages each series or movie wants."""
