"""The linkage pipeline (docs/linkage.md): ``frame`` builds the input from the registry
(``extract``) or a generic-layout file (``csvfile``), ``model`` defines and trains the
Splink model, ``engine`` links, ``evaluation`` measures against a truth file, ``run``
carries out a ``LinkageRun`` and writes its results in one transaction, ``automatic``
merges the sure pairs."""
