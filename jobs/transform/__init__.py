"""Pure transformations of the daily job: raw-zone DataFrames in, warehouse-shaped DataFrames out.

One module per area (facts, dimensions, security, reporting, demographics); `pipeline` wires them into the list of
tables the job produces. Nothing here reads or writes files, so the tests call every function on tiny in-memory
fixtures.
"""
