"""The quota engine and the virtual clock: no pytest, botocore or sockets."""
