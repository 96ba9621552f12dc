"""Reading import files and turning their rows into registrations."""
