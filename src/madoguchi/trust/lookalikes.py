"""Confirmed lookalikes: hosts, numbers and addresses that trust & safety found to be fakes.

Every check consults them first, so a fake confirmed once is called out at once for every later customer,
whatever the heuristics would have said. Values are stored in the form the checks compare: a lowercase ASCII
host or registrable domain, a number in E.164, a lowercase mail address.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Lookalikes:
    # value -> the id of the brand it imitates ("" when it imitates none in the directory)
    hosts: dict[str, str] = field(default_factory=dict)
    phones: dict[str, str] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)

    def of_host(self, host: str) -> str | None:
        return self.hosts.get(host)

    def of_phone(self, number: str) -> str | None:
        return self.phones.get(number)

    def of_address(self, address: str) -> str | None:
        return self.addresses.get(address.lower())

    def add(self, kind: str, value: str, brand: str | None) -> None:
        {"host": self.hosts, "phone": self.phones, "address": self.addresses}[kind][value] = brand or ""
