"""The page registry: what the navigation lists and who may open each page.

A page is registered with its path, its label key and whether it is public. Pages of later
issues (approvals inbox, contracts) register the same way next to their routes; the
navigation lists only registered pages the viewer may open.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ramp.web.access import READER_ROLES, Viewer


@dataclass(frozen=True, slots=True)
class Page:
    key: str  # also the label key `page.<key>`
    path: str
    public: bool = False
    roles: tuple[str, ...] = READER_ROLES  # any one of them opens a private page


@dataclass
class PageRegistry:
    pages: list[Page] = field(default_factory=list)

    def add(self, page: Page) -> Page:
        assert all(p.key != page.key and p.path != page.path for p in self.pages), f"page {page.key} twice"
        self.pages.append(page)
        return page

    def get(self, key: str) -> Page:
        for p in self.pages:
            if p.key == key:
                return p
        raise KeyError(key)

    def may_open(self, page: Page, viewer: Viewer | None) -> bool:
        return page.public or (viewer is not None and viewer.has_role(*page.roles))

    def navigation(self, viewer: Viewer | None) -> list[Page]:
        return [p for p in self.pages if self.may_open(p, viewer)]
