"""Everything archguard knows about web frameworks: the routes of FastAPI, Flask
(with Flask-RESTful and MethodView), Django, DRF and aiohttp apps, and the guards on them.

Per file, ``facts`` reads route declarations, routers, mounts, URLconfs and the guard
references on each (``bodies`` reads what handler bodies do). Per project, ``index``
gathers every module's web facts, ``guards`` decides what each guard reference means
(authentication, authorization, public, a rate limit), and ``routes`` builds the route
inventory once per scan. The plain values live in ``archguard.core.web`` and
``archguard.core.routes``.
"""
