"""Local GenAuth Management API emulator, webhook receiver and the harness that runs them."""
