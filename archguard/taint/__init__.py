"""archguard's taint engine: where request values go.

Per file, ``function`` summarises each function from its ``ast`` (which parameters and
library request objects reach which sinks, calls and the return value; which sanitizers
cut a flow) and ``facts`` assembles a module's summaries. ``models`` reads the sources,
sinks and sanitizers of ``rules/taint/*.yaml`` and of ``[tool.archguard.taint]``. Per
project, ``index`` resolves calls through imports and definitions, ``sources`` decides
which parameters carry request data (from the route inventory and the frameworks), and
``propagate`` joins the summaries over the call graph to a fixpoint. The plain values
live in ``archguard.core.taint``.
"""
