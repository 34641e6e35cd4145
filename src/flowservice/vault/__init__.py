"""The vault: encryption at rest for secret auth params.

Envelope encryption. A master key (``FLOWSERVICE_MASTER_KEY`` or a 0600 key file under
``FLOWSERVICE_HOME``) wraps data keys that live in the database; each secret record carries the id
of the data key that sealed it. ``flowservice keys rotate`` adds a data key and re-seals every
record with it. Keeping data keys in the store lets several replicas share one PostgreSQL.
"""

from flowservice.vault.master import MasterKey, load_master_key
from flowservice.vault.vault import Vault

__all__ = ["MasterKey", "Vault", "load_master_key"]
