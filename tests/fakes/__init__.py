"""Loopback fakes of the remote services, started by tests on 127.0.0.1 (one module per service)."""
