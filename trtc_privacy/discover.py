"""The one walker for folders: lint's search for manifests, scan's search for code, the lockfile
search and the index of an artifact that is a folder (.app, .xcarchive, .xcframework) all list
folders here.

They differ in what they keep and what they prune (data each caller owns), and in what a
symbolic link is to them, which is the one parameter ``links``:

- ``STAY`` (lint, scan): a link whose target stays inside the tree is followed (a link to a
  folder is entered as a folder, each folder once, by device and inode, so a loop ends where it
  closes); a link whose target leaves the tree (to a folder, a file or nothing) is not listed
  at all, and ``on_outside`` is told (the callers print a note). So a search never reads, and
  ``lint --fix`` never writes, a file of another tree the user did not name.
- ``FOLLOW``: as ``STAY``, but a link is followed wherever it leads (no caller uses it any more:
  ``lint`` through a link to ``/`` read the whole file system).
- ``LIST`` (lockfile search): no link is entered; a link to a folder is listed as a folder, a
  link to anything else (or to nothing) as a file; one whose target leaves the tree is not
  listed, and ``on_outside`` is told.
- ``INSIDE`` (artifact folders): no link is entered; links are listed as links, each with its
  target as a path inside the tree, and one leading out of the tree is refused (``OutsideTree``).

Folders come depth-first, each folder's entries sorted by name, its subfolders entered in the
order of ``Folder.enter`` (sorted, unless the caller reorders it). Memory is what the answer
needs: of a folder's entries only those kept are held (a name and two flags), and a folder
waiting its turn is its parent's strings and its name; a link's real path is resolved only when
the link is entered.
"""

from __future__ import annotations

import os
from typing import Callable, Container, Iterator, List, NamedTuple, Optional, Set, Tuple

STAY = "stay"
FOLLOW = "follow"
LIST = "list"
INSIDE = "inside"
LINK_POLICIES = (STAY, FOLLOW, LIST, INSIDE)

#: Called with (path relative to the top in POSIX form, what failed, the error) when a folder
#: cannot be listed ("list") or a link cannot be read ("read the link"); it may raise. Without
#: one, such a folder is skipped and such a link listed without a target.
OnError = Callable[[str, str, OSError], None]
#: Called with (the link relative to the top in POSIX form, its target as written) for a link
#: that ``STAY`` and ``LIST`` leave out because it leads out of the tree.
OnOutside = Callable[[str, str], None]


class Entry(NamedTuple):
    """One name in a folder, as the walk's link policy sees it."""

    name: str
    is_dir: bool  # FOLLOW and LIST: what a link points to is a folder; INSIDE: never for a link
    is_link: bool
    target: str = ""  # INSIDE: a link's target as a path relative to the top ("" is the top)


class OutsideTree(Exception):
    """A link of a tree walked ``INSIDE`` points out of it."""

    def __init__(self, rel: str, target: str) -> None:
        super().__init__(f"{rel}: symbolic link to \"{target}\" points outside the tree")
        self.rel = rel  # the link, relative to the top, in POSIX form
        self.target = target  # as the link is written


class Folder:
    """One folder of the walk and the entries kept of it, in name order (iterate it).

    ``enter`` holds the subfolders to enter next, in that order: the caller may drop or
    reorder them before asking for the next folder (as with ``os.walk``'s ``dirs``).
    """

    __slots__ = ("path", "real", "rel", "depth", "enter", "_entries", "_top_real", "_on_error")

    def __init__(self, path: str, real: str, rel: str, depth: int, entries: List[Entry],
                 enter: List[Entry], top_real: Optional[str], on_error: Optional[OnError]
                 ) -> None:
        self.path = path  # the top joined with the names that lead here
        self.real = real  # its real path, derived from the top's (resolved where a link was)
        self.rel = rel  # relative to the top, POSIX form ("" for the top)
        self.depth = depth  # 0 for the top
        self.enter = enter
        self._entries = entries
        self._top_real = top_real  # INSIDE only: what link targets must stay within
        self._on_error = on_error

    def __iter__(self) -> Iterator[Entry]:
        """The entries, in name order; under ``INSIDE`` each link's target is read (and
        checked) when the iteration reaches it, so problems come in name order too."""
        top_real = self._top_real
        for e in self._entries:
            if top_real is not None and e.is_link:
                yield e._replace(target=self._target(e.name, top_real))
            else:
                yield e

    def _target(self, name: str, top_real: str) -> str:
        """A link's target as a path inside the tree, or OutsideTree."""
        full = os.path.join(self.path, name)
        rel = f"{self.rel}/{name}" if self.rel else name
        try:
            target = os.readlink(full)
        except OSError as exc:
            if self._on_error is not None:
                self._on_error(rel, "read the link", exc)
            return ""
        dest = os.path.realpath(os.path.join(os.path.dirname(full), target))
        if dest != top_real and not dest.startswith(top_real.rstrip(os.sep) + os.sep):
            raise OutsideTree(rel, target)
        inside = os.path.relpath(dest, top_real)
        return "" if inside == "." else inside.replace(os.sep, "/")


def walk(top: str, links: str, *, keep: Optional[Callable[[str], bool]] = None,
         prune: Container[str] = (), seen: Optional[Set[int]] = None,
         top_real: Optional[str] = None, on_error: Optional[OnError] = None,
         on_outside: Optional[OnOutside] = None, tree: Optional[str] = None
         ) -> Iterator[Folder]:
    """Every folder under ``top`` (itself first), depth-first.

    ``keep`` says which names that are not folders are kept (default all), ``prune`` which
    folder names are not even listed. Under ``FOLLOW``, ``seen`` holds the folders already
    entered (share it between walks that must not enter a folder twice) and ``top_real`` is the
    top's real path when the caller already knows it. ``tree``: the folder whose inside links
    must stay in under ``STAY`` and ``LIST`` (default the top; scan walks ``Pods/`` as part
    of the project named).
    """
    if links not in LINK_POLICIES:
        raise ValueError(f"unknown link policy {links!r}")
    follow = links in (FOLLOW, STAY)
    inside = links == INSIDE
    stay = links in (STAY, LIST)
    visited: Set[int] = set() if seen is None else seen
    if top_real is None:
        top_real = os.path.realpath(top)
    tree_real = top_real if tree is None else os.path.realpath(tree)
    # folders still to enter, the next last: (parent, name, parent's real path, entered through
    # a link, depth, parent's rel); the top is given whole (name "")
    stack: List[Tuple[str, str, str, bool, int, str]] = [(top, "", top_real, False, 0, "")]
    while stack:
        parent, name, parent_real, link, depth, parent_rel = stack.pop()
        if name:
            root = os.path.join(parent, name)
            root_real = os.path.realpath(root) if link else os.path.join(parent_real, name)
            rel = f"{parent_rel}/{name}" if parent_rel else name
        else:
            root, root_real, rel = parent, parent_real, ""
        entries: List[Entry] = []
        ident = 0
        try:
            if follow:
                st = os.stat(root)
                ident = (st.st_dev << 64) | st.st_ino
                if ident in visited:
                    continue
            with os.scandir(root) as it:
                for d in it:
                    if stay and d.is_symlink() and _leaves(root, d.name, tree_real):
                        if on_outside is not None:
                            on_outside(f"{rel}/{d.name}" if rel else d.name,
                                       _link_text(os.path.join(root, d.name)))
                        continue
                    if inside:
                        is_dir = not d.is_symlink() and d.is_dir(follow_symlinks=False)
                    else:
                        try:
                            is_dir = d.is_dir()  # follows links
                        except OSError:
                            is_dir = False
                    if is_dir:
                        if d.name not in prune:
                            entries.append(Entry(d.name, True, d.is_symlink()))
                    elif keep is None or keep(d.name):
                        entries.append(Entry(d.name, False, d.is_symlink()))
        except OSError as exc:
            if on_error is not None:
                on_error(rel, "list", exc)
            continue
        if follow:
            visited.add(ident)
        entries.sort(key=_name)
        folder = Folder(root, root_real, rel, depth, entries,
                        [e for e in entries if e.is_dir and (follow or not e.is_link)],
                        top_real if inside else None, on_error)
        yield folder
        stack.extend((root, e.name, root_real, e.is_link, depth + 1, rel)
                     for e in reversed(folder.enter))


def noted(top: str, notes: Optional[List[str]]) -> Optional[OnOutside]:
    """An ``on_outside`` that adds the note every command prints for a link it did not follow
    (None without ``notes``)."""
    if notes is None:
        return None
    keep = notes

    def note(rel: str, target: str) -> None:
        keep.append(f"{os.path.join(top, rel)}: a symbolic link to \"{target}\", out of the "
                    "folder searched; not followed (name its target to check it)")
    return note


def _name(e: Entry) -> str:
    return e.name


def _leaves(folder: str, name: str, top_real: str) -> bool:
    """Whether the link ``folder/name`` resolves to a place outside ``top_real`` (a dangling
    link is judged by where it would lead)."""
    dest = os.path.realpath(os.path.join(folder, name))
    return not _within(dest, top_real)


def _within(dest: str, top_real: str) -> bool:
    return dest == top_real or dest.startswith(top_real.rstrip(os.sep) + os.sep)


def _link_text(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"

