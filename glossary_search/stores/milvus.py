"""Milvus behind backend.VectorIndex, through pymilvus' MilvusClient: the only pymilvus import.

The same code serves Milvus Lite (a local `.db` file, for tests and one machine) and Milvus Standalone or
Distributed (`http://host:19530`, a token for auth). One collection per model: a row's primary key is the
hash of its text (as in the embedding cache), so an edited glossary upserts only the texts it changed and
deletes the ones it dropped, and a text shared by two entries is stored once.
"""
from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Callable, Sequence

import grpc
import numpy as np
from pymilvus import DataType, MilvusClient
from pymilvus.exceptions import MilvusException

from ..errors import StoreUnavailableError

MAX_LIMIT = 16384  # Milvus' cap on top-k per search
BATCH = 1000  # rows per insert and per query page: well under Milvus' 64 MB gRPC message
TIMEOUT_S = 10.0  # a search or a ping: a client waiting longer is better told 503
WRITE_TIMEOUT_S = 300.0  # an upsert batch: Milvus Lite at 100k rows took over 10 s under load (compaction)
QUERY_BATCH = 32  # queries per search call, so a bulk search stays well inside the timeout


def text_key(text: str) -> str:
    """The row id: the embedding cache's key for the same text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def collection_name(model_id: str, dim: int) -> str:
    return f"glossary_{hashlib.sha256(model_id.encode()).hexdigest()[:12]}_{dim}"


class MilvusIndex:
    """Exact (FLAT) inner-product search in a Milvus collection; implements backend.VectorIndex.

    Rows are the local index's rows; Milvus holds one vector per distinct text and a search maps each hit
    back to every row with that text. A lost connection raises StoreUnavailableError and is retried on the
    next call, so a server that comes back is used again without a restart.
    """

    kind = "milvus"

    def __init__(self, uri: str, collection: str, row_keys: Sequence[str], vectors: np.ndarray,
                 token: str = ""):
        self.uri, self.collection, self._token = uri, collection, token
        self.dim = int(vectors.shape[1])
        self._vectors = vectors
        self._row_keys = list(row_keys)
        rows_of: dict[str, list[int]] = {}
        for row, key in enumerate(self._row_keys):
            rows_of.setdefault(key, []).append(row)
        self._rows_of = rows_of
        self._client: MilvusClient | None = None
        self._lock = threading.Lock()

    # ---- connection --------------------------------------------------------------------------------
    def _connect(self) -> MilvusClient:
        with self._lock:
            if self._client is None:
                try:
                    client = MilvusClient(uri=self.uri, token=self._token, timeout=TIMEOUT_S)
                    if client.has_collection(self.collection, timeout=TIMEOUT_S):
                        client.load_collection(self.collection, timeout=TIMEOUT_S)  # a restarted server has it released
                except Exception as exc:  # pymilvus raises several kinds for one fact: not reachable
                    raise self._unavailable(exc) from exc
                self._client = client
            return self._client

    def _unavailable(self, exc: BaseException) -> StoreUnavailableError:
        reason = " ".join(str(getattr(exc, "message", "") or exc).split())[:200] or exc.__class__.__name__
        return StoreUnavailableError(f"Cannot reach Milvus at {self.uri} ({reason}).")

    def _call(self, action: Callable[[MilvusClient], object]):
        client = self._connect()
        try:
            return action(client)
        except (MilvusException, grpc.RpcError, OSError, RuntimeError) as exc:
            with self._lock:  # drop the broken client: the next call reconnects
                if self._client is client:
                    self._client = None
            try:
                client.close()
            except Exception:  # noqa: BLE001 - closing a dead connection may fail in any way
                pass
            raise self._unavailable(exc) from exc

    def ping(self) -> None:
        """Raise StoreUnavailableError unless the server answers and holds the collection (for /ready)."""
        if not self._call(lambda c: c.has_collection(self.collection, timeout=TIMEOUT_S)):
            raise StoreUnavailableError(f"Milvus at {self.uri} has no collection {self.collection!r}.")

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    # ---- building ------------------------------------------------------------------------------------
    @classmethod
    def sync(cls, uri: str, vectors: np.ndarray, texts: Sequence[str], model_id: str, token: str = "",
             notify: Callable[[str], None] | None = None) -> "MilvusIndex":
        """Make the model's collection hold exactly these texts' vectors: insert the new, delete the gone."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        keys = [text_key(t) for t in texts]
        index = cls(uri, collection_name(model_id, vectors.shape[1]), keys, vectors, token)
        wanted = {k: row for row, k in reversed(list(enumerate(keys)))}  # key -> its first row
        have = index._call(index._ensure_collection)
        new = [k for k in wanted if k not in have]
        gone = [k for k in have if k not in wanted]
        for start in range(0, len(new), BATCH):
            chunk = [{"pk": k, "vector": vectors[wanted[k]].tolist()} for k in new[start:start + BATCH]]
            index._call(lambda c, chunk=chunk: c.upsert(index.collection, chunk, timeout=WRITE_TIMEOUT_S))
        for start in range(0, len(gone), BATCH):
            ids = gone[start:start + BATCH]
            index._call(lambda c, ids=ids: c.delete(index.collection, ids=ids, timeout=WRITE_TIMEOUT_S))
        if new or gone:
            index._call(lambda c: c.flush(index.collection, timeout=WRITE_TIMEOUT_S))
        if notify:
            notify(f"Milvus at {uri}, collection {index.collection}: {len(new)} text(s) upserted, "
                   f"{len(gone)} deleted, {len(wanted) - len(new)} unchanged.")
        return index

    def _ensure_collection(self, client: MilvusClient) -> set[str]:
        """Create the collection (FLAT, inner product: exact, like FAISS below 100k rows) or list its keys."""
        if not client.has_collection(self.collection, timeout=TIMEOUT_S):
            schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field("pk", DataType.VARCHAR, is_primary=True, max_length=64)
            schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dim)
            params = client.prepare_index_params()
            params.add_index(field_name="vector", index_type="FLAT", metric_type="IP")
            client.create_collection(self.collection, schema=schema, index_params=params, timeout=TIMEOUT_S)
            return set()
        client.load_collection(self.collection, timeout=TIMEOUT_S)
        return {row["pk"] for row in self._all_rows(client, ["pk"])}

    def _all_rows(self, client: MilvusClient, fields: list[str]):
        iterator = client.query_iterator(self.collection, batch_size=BATCH, filter="", output_fields=fields,
                                         timeout=TIMEOUT_S)
        try:
            while page := iterator.next():
                yield from page
        finally:
            iterator.close()

    # ---- VectorIndex -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._row_keys)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows per query, best first; rows sharing a text share its score. Ids of -1 pad."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, min(int(k), len(self)))
        limit = min(k, len(self._rows_of), MAX_LIMIT)
        results = []
        for start in range(0, len(queries), QUERY_BATCH):
            chunk = queries[start:start + QUERY_BATCH].tolist()
            results += self._call(lambda c, chunk=chunk: c.search(
                self.collection, data=chunk, limit=limit, anns_field="vector",
                search_params={"metric_type": "IP"}, timeout=TIMEOUT_S))
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        for q, hits in enumerate(results):
            n = 0
            for hit in hits:
                for row in self._rows_of.get(hit["pk"], ()):
                    if n == k:
                        break
                    scores[q, n], ids[q, n] = hit["distance"], row
                    n += 1
        return scores, ids

    def vectors(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Every row in row order (or the rows given): kept in memory, since the concept maths reads all of them."""
        return self._vectors if rows is None else self._vectors[rows]

    def save(self, path: Path) -> None:
        """Milvus keeps the vectors; the file says where, and which text each row is."""
        Path(path).write_text(json.dumps({"uri": self.uri, "collection": self.collection, "dim": self.dim,
                                          "row_keys": self._row_keys}), encoding="utf-8")

    @classmethod
    def load(cls, path: Path, token: str = "") -> "MilvusIndex":
        """Reconnect to the collection a save() names and read its rows' vectors back."""
        meta = json.loads(Path(path).read_text(encoding="utf-8"))
        index = cls(meta["uri"], meta["collection"], meta["row_keys"], np.zeros((0, meta["dim"]), np.float32), token)
        found = {r["pk"]: r["vector"] for r in index._call(lambda c: list(index._all_rows(c, ["pk", "vector"])))}
        missing = [k for k in meta["row_keys"] if k not in found]
        if missing:
            raise RuntimeError(f"Milvus collection {meta['collection']} at {meta['uri']} lacks {len(missing)} row(s).")
        index._vectors = np.asarray([found[k] for k in meta["row_keys"]], dtype=np.float32)
        return index
