"""Article files in: reading the corpus folder, removing boilerplate, importing new files."""
