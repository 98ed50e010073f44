"""``sentinel``: back up, restore, watch and inspect a Snapshot Sentinel stack from a terminal.

The command line lives outside the Lambda layer: it talks only to AWS APIs (CloudFormation for
the stack's outputs, Step Functions to start and follow runs, CloudWatch for alarms, EventBridge
Scheduler for the next run) and never to the domain itself.
"""
