"""Everything archguard knows about ORMs: Django (with DRF serializers and the admin),
SQLAlchemy (sync, async, Flask-SQLAlchemy) and SQLModel.

Per file, ``facts`` reads models, queries and what each function does with their rows
(``flow``, ``queries``). Per project, ``models`` builds the model registry, ``resolve``
follows queries through variables, calls and modules, ``consumption`` finds the rows
consumed per iteration, and ``analysis`` assembles it once per scan for the database
rules. The plain values it produces live in ``archguard.core.orm``.
"""
