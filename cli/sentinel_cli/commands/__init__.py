"""One module per ``sentinel`` command, each a click command over the gateway (sentinel_cli.gateway).

A command's module holds what only that command uses (``status`` gathers its report, ``doctor`` its
checklist items); what two commands share sits beside this package: the options and runtime
(sentinel_cli.context), following a run (sentinel_cli.following), everything shown to a person
(sentinel_cli.render). sentinel_cli.app puts the commands on the one ``sentinel`` group.
"""
