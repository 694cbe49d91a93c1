"""Worker processes (FastStream apps): the controller and the adapters' workers."""
