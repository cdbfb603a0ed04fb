"""Is PostgreSQL (and Redis) answering? Used by `make test` to decide on the scale-profile pass."""

import socket
import sys

SERVICES = {"postgres": ("127.0.0.1", 5432), "redis": ("127.0.0.1", 6379)}


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.5):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    down = [name for name, (host, port) in SERVICES.items() if not answers(host, port)]
    if down:
        print(" ".join(down))
        sys.exit(1)
    sys.exit(0)
