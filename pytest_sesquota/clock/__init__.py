"""The virtual clock, the time backends that fake the process's time, and asyncio's loops on it."""
