"""The vault's copy plan: dependency order, bounded batches, and a vault that restores after every batch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snapshot_sentinel.errors import ConfigurationError
from snapshot_sentinel.vault.plan import (
    INDEX_LATEST,
    BatchFile,
    StoredObject,
    Tier,
    listing_prefixes,
    pack_batches,
    plan_copy,
    tier_of,
)


@pytest.mark.parametrize(
    ("key", "tier"),
    [
        ("indices/Zx1aQ/0/__Ab3kD9", Tier.DATA),
        ("indices/Zx1aQ/12/snap-Qw8e.dat", Tier.SHARD_METADATA),
        ("indices/Zx1aQ/12/index-pL9x0", Tier.SHARD_METADATA),
        ("indices/Zx1aQ/0/index-3", Tier.SHARD_METADATA),
        ("indices/Zx1aQ/meta-Hh2.dat", Tier.INDEX_METADATA),
        ("snap-Qw8e.dat", Tier.SNAPSHOT_METADATA),
        ("meta-Qw8e.dat", Tier.SNAPSHOT_METADATA),
        ("index-17", Tier.REPOSITORY_GENERATION),
        ("index.latest", Tier.LATEST_POINTER),
        ("incompatible-snapshots", Tier.DATA),
        ("tests-kW2c/master.dat", None),
        ("tests-kW2c", None),
    ],
)
def test_every_repository_key_has_the_tier_of_what_references_it(key: str, tier: Tier | None) -> None:
    assert tier_of(key) == tier


def test_index_latest_is_copied_last_and_only_when_it_changed() -> None:
    source = [
        StoredObject("index.latest", 8, "etag-2"),
        StoredObject("index-2", 300),
        StoredObject("snap-b.dat", 40),
        StoredObject("indices/i/meta-m.dat", 40),
        StoredObject("indices/i/0/snap-b.dat", 40),
        StoredObject("indices/i/0/__x", 4000),
        StoredObject("tests-abc/data-node.dat", 10),
    ]

    plan = plan_copy(source, {"index.latest": StoredObject("index.latest", 8, "etag-1")})

    assert [b.keys for b in plan.batches] == [
        ("indices/i/0/__x",),
        ("indices/i/0/snap-b.dat",),
        ("indices/i/meta-m.dat",),
        ("snap-b.dat",),
        ("index-2",),
        ("index.latest",),
    ]
    assert (plan.objects, plan.skipped, plan.already_in_vault) == (6, 1, 0)
    done = {o.key: o for o in source}
    assert plan_copy(source, done).batches == ()


def test_a_batch_never_passes_its_bounds_except_one_object_larger_than_the_bound() -> None:
    source = [StoredObject(f"indices/i/0/__{n:03}", size) for n, size in enumerate([5, 5, 5, 50, 5, 5, 5, 5])]

    plan = plan_copy(source, {}, max_batch_objects=3, max_batch_bytes=12)

    assert [len(b.keys) for b in plan.batches] == [2, 1, 1, 2, 2]
    assert [b.bytes for b in plan.batches] == [10, 5, 50, 10, 10]


def test_a_batch_bound_of_zero_is_refused_naming_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="VAULT_BATCH_OBJECTS"):
        plan_copy([], {}, max_batch_objects=0)


def test_the_plan_fans_out_over_index_directories_and_never_lists_the_verification_scratch() -> None:
    prefixes = listing_prefixes(["indices/", "tests-kW2c/", "extra/"], ["indices/Zx1aQ/", "indices/Ab9/"])

    assert prefixes == ("extra/", "indices/Ab9/", "indices/Zx1aQ/")


def test_small_batch_files_of_many_indices_share_a_copy_item_within_one_batchs_bounds() -> None:
    files = [
        BatchFile(Tier.DATA, "a", 600, 10),
        BatchFile(Tier.SHARD_METADATA, "m", 3, 1),
        BatchFile(Tier.DATA, "b", 300, 10),
        BatchFile(Tier.DATA, "c", 200, 10),
        BatchFile(Tier.DATA, "d", 5, 95),
        BatchFile(Tier.DATA, "e", 1000, 500),
    ]

    packed = pack_batches(files, max_batch_objects=1000, max_batch_bytes=100)

    assert list(packed) == [Tier.DATA, Tier.SHARD_METADATA]
    assert [[f.key for f in item] for item in packed[Tier.DATA]] == [["a", "b"], ["c"], ["d"], ["e"]]
    assert [[f.key for f in item] for item in packed[Tier.SHARD_METADATA]] == [["m"]]
    many = pack_batches([BatchFile(Tier.INDEX_METADATA, f"i{n}", 1, 1) for n in range(250)])
    assert [len(item) for item in many[Tier.INDEX_METADATA]] == [100, 100, 50]


# -- the reference graph --------------------------------------------------------------------------


@dataclass
class Repository:
    """A model of an engine writing a repository: immutable files with the files they reference, and
    ``index.latest`` naming the newest generation. ``refs`` keeps every file ever written."""

    objects: dict[str, str] = field(default_factory=dict)
    refs: dict[str, set[str]] = field(default_factory=dict)
    generation: int = -1
    live_snapshots: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    """snapshot -> shard dir -> the blobs its shard snapshot references."""
    index_meta: dict[str, str] = field(default_factory=dict)
    counter: int = 0

    def write(self, key: str, references: set[str], content: str | None = None) -> None:
        self.objects[key] = content or key
        self.refs.setdefault(key, set()).update(references)

    def new_generation(self) -> None:
        self.generation += 1
        shard_generations = set()
        shard_dirs = {d for shards in self.live_snapshots.values() for d in shards}
        for shard_dir in sorted(shard_dirs):
            snaps = {f"{shard_dir}/snap-{s}.dat" for s, shards in self.live_snapshots.items() if shard_dir in shards}
            gen = f"{shard_dir}/index-g{self.generation}"
            self.write(gen, snaps | {b for s in snaps for b in self.refs[s]})
            shard_generations.add(gen)
        roots = {f"{p}-{s}.dat" for s in self.live_snapshots for p in ("snap", "meta")}
        metas = {self.index_meta[s] for s in self.live_snapshots if s in self.index_meta}
        self.write(f"index-{self.generation}", shard_generations | roots | metas)
        for old in [k for k in self.objects if k.startswith("index-") and k != f"index-{self.generation}"]:
            del self.objects[old]
        self.objects[INDEX_LATEST] = str(self.generation)

    def snapshot(self, data: st.DataObject) -> None:
        self.counter += 1
        name = f"s{self.counter}"
        shards: dict[str, set[str]] = {}
        for shard_dir in data.draw(st.sets(st.sampled_from(["indices/a/0", "indices/a/1", "indices/b/0"]), min_size=1)):
            existing = sorted(k for k in self.objects if k.startswith(f"{shard_dir}/__"))
            reused = set(data.draw(st.lists(st.sampled_from(existing), unique=True))) if existing else set()
            fresh = {f"{shard_dir}/__{name}-{n}" for n in range(data.draw(st.integers(0, 3)))}
            for blob in fresh:
                self.write(blob, set())
            self.write(f"{shard_dir}/snap-{name}.dat", reused | fresh)
            shards[shard_dir] = reused | fresh
        meta = f"indices/a/meta-{name}.dat"
        self.write(meta, set())
        self.index_meta[name] = meta
        self.write(f"snap-{name}.dat", set())
        self.write(f"meta-{name}.dat", set())
        self.live_snapshots[name] = shards
        self.new_generation()

    def delete_oldest(self) -> None:
        name = next(iter(self.live_snapshots))
        shards = self.live_snapshots.pop(name)
        for key in [f"snap-{name}.dat", f"meta-{name}.dat", self.index_meta.pop(name)]:
            self.objects.pop(key, None)
        still = {b for s in self.live_snapshots.values() for blobs in s.values() for b in blobs}
        for shard_dir, blobs in shards.items():
            self.objects.pop(f"{shard_dir}/snap-{name}.dat", None)
            for blob in blobs - still:
                self.objects.pop(blob, None)
        self.new_generation()

    def listing(self) -> list[StoredObject]:
        return [StoredObject(k, len(v), v) for k, v in self.objects.items()]

    def closure(self, key: str) -> set[str]:
        seen: set[str] = set()
        todo = [key]
        while todo:
            k = todo.pop()
            if k not in seen:
                seen.add(k)
                todo.extend(self.refs.get(k, ()))
        return seen


def consistency_faults(repo: Repository, vault: dict[str, str]) -> list[str]:
    """Every file reachable from the vault's index.latest or any index-N it holds, that it lacks."""
    roots = [k for k in vault if k.startswith("index-")]
    if INDEX_LATEST in vault:
        named = f"index-{vault[INDEX_LATEST]}"
        if named not in vault:
            return [named]
    return sorted({k for root in roots for k in repo.closure(root) if k not in vault})


def evolve(repo: Repository, data: st.DataObject, steps: int) -> None:
    for _ in range(steps):
        if repo.live_snapshots and data.draw(st.booleans()):
            repo.delete_oldest()
        else:
            repo.snapshot(data)


def apply(vault: dict[str, str], source: dict[str, str], keys: tuple[str, ...]) -> None:
    for key in keys:
        vault[key] = source[key]


Planner = Callable[..., list[tuple[str, ...]]]


def one_listing(listing: list[StoredObject], vault: dict[str, StoredObject], **bounds: int) -> list[tuple[str, ...]]:
    """The copy items, in copy order, of one plan over the whole listing."""
    return [batch.keys for batch in plan_copy(listing, vault, **bounds).batches]


def fanned_out(listing: list[StoredObject], vault: dict[str, StoredObject], **bounds: int) -> list[tuple[str, ...]]:
    """The copy items, in copy order, as the state machine makes them: the root's files planned on their
    own, one plan per listing prefix seeing only that prefix on both sides, their batch files packed per
    tier, and every item of a tier copied before any of the next."""

    def at_root(key: str) -> bool:
        return "/" not in key or (key.startswith("indices/") and key.count("/") == 1)

    tops = {o.key.split("/")[0] + "/" for o in listing if not at_root(o.key)}
    indices = {
        "/".join(o.key.split("/")[:2]) + "/" for o in listing if o.key.startswith("indices/") and not at_root(o.key)
    }
    jobs = [("", [o for o in listing if at_root(o.key)])]
    jobs += [(prefix, [o for o in listing if o.key.startswith(prefix)]) for prefix in listing_prefixes(tops, indices)]
    files: list[BatchFile] = []
    contents: dict[str, tuple[str, ...]] = {}
    for number, (prefix, objects) in enumerate(jobs):
        seen = {k: o for k, o in vault.items() if (k.startswith(prefix) if prefix else at_root(k))}
        for seq, batch in enumerate(plan_copy(objects, seen, **bounds).batches):
            name = f"{number}-{seq}"
            contents[name] = batch.keys
            files.append(BatchFile(batch.tier, name, len(batch.keys), batch.bytes))
    items = []
    for groups in pack_batches(files, **bounds).values():
        items += [tuple(k for file in group for k in contents[file.key]) for group in groups]
    return items


@pytest.mark.parametrize("planner", [one_listing, fanned_out], ids=["one listing", "fanned out per index"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_copy_killed_after_any_batch_leaves_a_restorable_vault_and_resuming_converges(
    planner: Planner, data: st.DataObject
) -> None:
    repo = Repository()
    vault: dict[str, str] = {}
    bounds = {"max_batch_objects": data.draw(st.integers(1, 4)), "max_batch_bytes": data.draw(st.integers(1, 80))}
    if data.draw(st.booleans(), label="vault already holds an earlier generation"):
        evolve(repo, data, data.draw(st.integers(1, 3)))
        for keys in planner(repo.listing(), {}, **bounds):
            apply(vault, repo.objects, keys)
    evolve(repo, data, data.draw(st.integers(1, 4)))

    items = planner(repo.listing(), {k: StoredObject(k, len(v), v) for k, v in vault.items()}, **bounds)
    killed_after = data.draw(st.integers(0, len(items)), label="batches done before the copy died")
    for keys in items[:killed_after]:
        apply(vault, repo.objects, keys)
        assert consistency_faults(repo, vault) == []

    resumed = planner(repo.listing(), {k: StoredObject(k, len(v), v) for k, v in vault.items()}, **bounds)
    for keys in resumed:
        apply(vault, repo.objects, keys)
        assert consistency_faults(repo, vault) == []

    assert all(vault.get(k) == v for k, v in repo.objects.items())
    assert vault[INDEX_LATEST] == str(repo.generation)
    assert planner(repo.listing(), {k: StoredObject(k, len(v), v) for k, v in vault.items()}) == []


def test_a_generation_written_after_the_copy_read_index_latest_is_left_for_the_next_copy() -> None:
    source = [StoredObject("index-4", 10), StoredObject("index-5", 10), StoredObject("index.latest", 8, "e5")]

    plan = plan_copy(source, {}, generation=4)

    assert [b.keys for b in plan.batches] == [("index-4",), ("index.latest",)]
    assert plan.skipped == 1
