"""A CIDR network column: PostgreSQL `cidr` with GiST-indexed containment, a text column on SQLite."""

from __future__ import annotations

import ipaddress
import json

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection, models

from .networks import IPNetwork, NetworkError, parse_network


class CidrField(models.Field):
    """Holds an `ipaddress` network. Every write path (save, update, bulk_create) parses strictly."""

    description = "IPv4 or IPv6 network in CIDR notation"

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = 43
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        return name, path, args, kwargs

    def db_type(self, connection) -> str:
        return "cidr" if connection.vendor == "postgresql" else "varchar(43)"

    def from_db_value(self, value, expression, connection) -> IPNetwork | None:
        return None if value is None else ipaddress.ip_network(value)

    def to_python(self, value) -> IPNetwork | None:
        if value is None or isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
            return value
        try:
            return parse_network(str(value))
        except NetworkError as error:
            raise ValidationError(error.message, code="invalid_network") from error

    def get_prep_value(self, value) -> str | None:
        if value is None:
            return None
        if not isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
            value = parse_network(str(value))
        return str(value)

    def value_to_string(self, obj) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else str(value)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": forms.CharField, "max_length": 43, **kwargs})


class _NetworkLookup(models.Lookup):
    prepare_rhs = False
    postgres_operator = ""
    sqlite_function = ""

    def get_db_prep_lookup(self, value, connection):
        network = (
            value if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network) else parse_network(str(value))
        )
        return "%s", [str(network)]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} {self.postgres_operator} {rhs}::cidr", [*lhs_params, *rhs_params]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{self.sqlite_function}({lhs}, {rhs})", [*lhs_params, *rhs_params]


@CidrField.register_lookup
class NetContains(_NetworkLookup):
    """`network__net_contains="203.0.113.7"`: the stored network contains (or equals) the address or network."""

    lookup_name = "net_contains"
    postgres_operator = ">>="
    sqlite_function = "net_contains"


@CidrField.register_lookup
class NetOverlaps(_NetworkLookup):
    """`network__net_overlaps="203.0.113.0/24"`: the stored network and the given one share an address."""

    lookup_name = "net_overlaps"
    postgres_operator = "&&"
    sqlite_function = "net_overlaps"


def _sqlite_net_contains(stored: str | None, probe: str | None) -> bool:
    if stored is None or probe is None:
        return False
    outer, inner = ipaddress.ip_network(stored), ipaddress.ip_network(probe)
    return outer.version == inner.version and inner.subnet_of(outer)


def _sqlite_net_overlaps(stored: str | None, probe: str | None) -> bool:
    if stored is None or probe is None:
        return False
    return ipaddress.ip_network(stored).overlaps(ipaddress.ip_network(probe))


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """SQLite has no network type: teach it the two operators (a scan, fine for the embedded quick start)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("net_contains", 2, _sqlite_net_contains, deterministic=True)
        connection.connection.create_function("net_overlaps", 2, _sqlite_net_overlaps, deterministic=True)


class InetGistIndex(models.Index):
    """GiST `inet_ops` on PostgreSQL, serving `>>=` and `&&`; a plain index elsewhere."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        fields = [model._meta.get_field(field_name) for field_name, _order in self.fields_orders]
        return schema_editor._create_index_sql(
            model, fields=fields, name=self.name, using=" USING gist", opclasses=["inet_ops"] * len(fields), **kwargs
        )


def overlap_join(
    *, networks: list[IPNetwork], select: str, table: str, joins: str = "", where: str = "1 = 1", params: tuple = ()
) -> list[tuple]:
    """Pair each of `networks` with every row of `table` (aliased `t`, with a `network` column) that overlaps it.

    One set-based query: on PostgreSQL the probes are an unnested `cidr[]` joined through the GiST index.
    Returns `(probe network, *selected columns)` rows.
    """
    if not networks:
        return []
    if connection.vendor == "postgresql":
        probes, match, probe_param = (
            "unnest(%s::cidr[]) AS probe(net)",
            "t.network && probe.net",
            [str(n) for n in networks],
        )
    else:
        probes = "(SELECT value AS net FROM json_each(%s)) AS probe"
        match, probe_param = "net_overlaps(t.network, probe.net)", json.dumps([str(n) for n in networks])
    sql = f"SELECT probe.net, {select} FROM {probes} JOIN {table} t ON {match} {joins} WHERE {where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [probe_param, *params])
        return [(ipaddress.ip_network(row[0]), *row[1:]) for row in cursor.fetchall()]
