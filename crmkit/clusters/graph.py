"""Graph steps over whole arrays: key groups, their edges, connected components.

Leads are nodes ``0..n-1`` numbered in id order, so "the smallest node" is the smallest lead id.
A key group (leads with one key code) needs only a star of edges to be connected, so edges grow
with the leads, never with the square of a group; the review tier lists real pairs, all of them
in small groups and a star in large ones.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def sort_groups(nodes: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, nodes) sorted by code then node, each (code, node) once."""
    if len(nodes) == 0:
        return codes.astype(np.int64), nodes.astype(np.int64)
    order = np.lexsort((nodes, codes))
    c, v = codes[order], nodes[order]
    keep = np.r_[True, (c[1:] != c[:-1]) | (v[1:] != v[:-1])]
    return c[keep], v[keep]


def group_starts(codes: np.ndarray) -> np.ndarray:
    """Start positions of the runs of equal codes in sorted ``codes``."""
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])


def star_edges(codes: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted groups -> edges (node, smallest node of its group); enough to connect them."""
    starts = group_starts(codes)
    sizes = np.diff(np.r_[starts, len(codes)])
    heads = np.repeat(nodes[starts], sizes)
    return nodes, heads


def linked(codes: np.ndarray, nodes: np.ndarray, n: int) -> np.ndarray:
    """Per lead: True when its key group (sorted) holds another lead."""
    starts = group_starts(codes)
    sizes = np.diff(np.r_[starts, len(codes)])
    out = np.zeros(n, dtype=bool)
    out[nodes[np.repeat(sizes, sizes) >= 2]] = True
    return out


def components(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Connected-component label per node (isolated nodes get their own)."""
    data = np.ones(len(src), dtype=np.int8)
    graph = coo_matrix((data, (src, dst)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels, dtype=np.int64)


def smallest_node(labels: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Per member (ascending node order): the smallest node of its component."""
    lab = labels[members]
    _, first, inverse = np.unique(lab, return_index=True, return_inverse=True)
    result: np.ndarray = members[first][inverse]
    return result


def pairs_within(
    codes: np.ndarray, nodes: np.ndarray, labels: np.ndarray, full_up_to: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (a, b), a < b, sharing a key group but not a label (component of another tier).

    Groups of up to ``full_up_to`` leads give every such pair; a larger group (a common name)
    gives a star: its smallest lead paired with each lead outside that lead's component.
    """
    empty = np.zeros(0, dtype=np.int64)
    if len(codes) == 0:
        return empty, empty
    starts = group_starts(codes)
    sizes = np.diff(np.r_[starts, len(codes)])
    lab = labels[nodes]
    mixed = np.minimum.reduceat(lab, starts) != np.maximum.reduceat(lab, starts)
    group_of = np.repeat(np.arange(len(starts)), sizes)
    ends = np.repeat(starts + sizes, sizes)
    in_small = np.repeat(mixed & (sizes <= full_up_to), sizes)
    # Small groups: element p pairs with every later element of its group.
    p = np.flatnonzero(in_small)
    count = ends[p] - 1 - p
    left = np.repeat(p, count)
    offset = np.arange(len(left)) - np.repeat(np.cumsum(count) - count, count)
    right = left + 1 + offset
    # Large groups: the head pairs with every other element.
    in_large = np.repeat(mixed & (sizes > full_up_to), sizes)
    q = np.flatnonzero(in_large & (np.arange(len(codes)) != starts[group_of]))
    head = starts[group_of[q]]
    a = np.r_[nodes[left], nodes[head]]
    b = np.r_[nodes[right], nodes[q]]
    differ = labels[a] != labels[b]
    return a[differ], b[differ]
