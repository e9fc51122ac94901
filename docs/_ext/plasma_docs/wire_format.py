"""The wire-format document, rendered: ``plasma-wire-format``.

The directive renders :func:`conformance.wire_format.build_wire_format`, the
same document every vector suite ships as ``wire-format.json``: the encoding
rules, the decoding errors and their order, the areas, the codec's type list,
every hash recipe, the Merkle trees, and one section per type with its fields
or its tags. A type name links to its section (label ``wire-<name>``).
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from conformance.wire_format import WIRE_FORMAT_FILE, build_wire_format
from plasma_docs.rst import escape, list_table, literal, title


def rich(text: str) -> str:
    """Return document text as reST: each `code span` a literal, the rest escaped."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backquote: show the text as it is
        return escape(text)
    # An escaped space ("\\ ") ends or starts a literal next to a letter and shows nothing
    pieces = [f"\\ {literal(p)}\\ " if i % 2 else keep_spaces(p) for i, p in enumerate(parts)]
    return "".join(pieces)


def keep_spaces(text: str) -> str:
    """Return ``text`` escaped, keeping one space where it starts or ends with white space."""
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() else ""
    return lead + escape(text) + trail if text.strip() else text


def type_label(name: str) -> str:
    """Return the reST label of a type's section."""
    return "wire-" + name.lower().replace(".", "-")


def show_expression(expression: Any) -> str:
    """Return a type expression as reST, each type name linked to its section."""
    if isinstance(expression, str):
        return f":ref:`{expression} <{type_label(expression)}>`"
    (container, inner), *_ = expression.items()
    if container == "tuple":
        return "tuple (" + ", ".join(show_expression(item) for item in inner) + ")"
    if container == "map":
        key, value = show_expression(inner["key"]), show_expression(inner["value"])
        return f"map from {key} to {value}"
    return f"{container} of {show_expression(inner)}"


def render_type(name: str, description: dict[str, Any]) -> list[str]:
    """Return the section of one named type."""
    kind = description["kind"]
    lines = [f".. _{type_label(name)}:", "", *title(name, "~"), f"*{kind}*", ""]
    if description.get("summary"):
        lines += [rich(description["summary"]), ""]
    if kind == "struct":
        rows = [
            [
                literal(field["name"]),
                show_expression(field["type"]),
                rich(field["summary"]) or "—",
            ]
            for field in description["fields"]
        ]
        lines += list_table(["Field", "Type", "Meaning"], rows, [20, 30, 50])
    elif kind == "union":
        rows = [[str(arm["tag"]), show_expression(arm["type"])] for arm in description["variants"]]
        lines += list_table(["Tag", "Variant"], rows, [15, 85])
    elif kind == "enum":
        rows = [
            [str(member["tag"]), literal(member["name"]), literal(member["view"])]
            for member in description["members"]
        ]
        lines += list_table(["Tag", "Member", "View"], rows, [15, 45, 40])
    else:
        sizes = {key: value for key, value in description.items() if key != "kind"}
        lines += [escape(", ".join(f"{key} {value}" for key, value in sizes.items())), ""]
    return lines


def render_hash(rule: dict[str, Any]) -> list[str]:
    """Return a table row of one hash recipe."""
    parts = []
    for part in rule["parts"]:
        if "constant" in part:
            shown = literal(part["ascii"]) if part["ascii"] else f"``0x{part['hex']}``"
            parts.append(f"{shown} (``{part['constant'].rpartition('.')[2]}``)")
        elif "encoded" in part:
            parts.append(f"encoding of ``{part['encoded']}``")
        else:
            parts.append(f"bytes of ``{part['raw']}``")
    inputs = ", ".join(
        f"``{item['name']}``: {show_expression(item['type'])}" for item in rule["inputs"]
    )
    return [escape(rule["name"]), inputs, "keccak256( " + " ‖ ".join(parts) + " )"]


def render_document(document: dict[str, Any]) -> list[str]:
    """Return the whole page body."""
    lines = [*title("Encoding rules", "-")]
    rows = [[literal(kind), rich(rule)] for kind, rule in document["encoding"].items()]
    lines += list_table(["Kind", "Encoding"], rows, [20, 80])
    lines += [f"Counts are {document['count_type']['bytes']}-byte big-endian integers.", ""]
    lines += [*title("Readable views", "-")]
    lines += ["The ``view`` fields of vectors show values as JSON, for people and diffs:", ""]
    rows = [[literal(kind), rich(rule)] for kind, rule in document["readable_views"].items()]
    lines += list_table(["Kind", "View"], rows, [20, 80])
    lines += [*title("Decoding errors and their order", "-"), escape(document["decoding_order"])]
    lines += [""]
    rows = [[literal(item["reason"]), rich(item["when"])] for item in document["decoding_errors"]]
    lines += list_table(["Reason", "When"], rows, [30, 70])
    lines += [*title("Areas", "-")]
    rows = [
        [
            literal(area["name"]),
            show_expression(area["state_type"]),
            show_expression(area["operation_type"]),
            escape(area["digest"]),
        ]
        for area in document["areas"]
    ]
    lines += list_table(["Area", "State", "Operation", "Digest"], rows, [16, 24, 24, 36])
    lines += [*title("Codec types", "-")]
    lines += ["The names a ``codec`` step may give, with the type each decodes as.", ""]
    rows = [[literal(n), show_expression(e)] for n, e in document["codec_types"].items()]
    lines += list_table(["Name", "Type"], rows, [30, 70])
    lines += [*title("Hashes", "-")]
    lines += list_table(
        ["Hash", "Inputs", "What is hashed"],
        [render_hash(rule) for rule in document["hashes"]],
        [25, 30, 45],
    )
    merkle = document["merkle"]
    lines += [*title("Merkle trees", "-")]
    lines += [
        f"Leaf prefix ``0x{merkle['leaf_prefix']}``, node prefix ``0x{merkle['node_prefix']}``,"
        f" empty leaf ``0x{merkle['empty_leaf']}``.",
        "",
    ]
    rows = [
        [
            escape(tree["name"]),
            literal(tree["kind"]),
            literal(tree["depth"]),
            escape(tree["leaves"]),
        ]
        for tree in merkle["trees"]
    ]
    lines += list_table(["Tree", "Kind", "Depth", "Leaves"], rows, [20, 10, 30, 40])
    lines += [f"- {rich(rule)}" for rule in merkle["rules"]] + [""]
    lines += [*title("Signatures", "-")]
    lines += [f"- {rich(rule)}" for rule in document["signatures"]] + [""]
    lines += [*title("What the document's fields mean", "-")]
    rows = [[literal(field), rich(text)] for field, text in document["legend"].items()]
    lines += list_table(["Field", "Meaning"], rows, [25, 75])
    lines += [*title("Types", "-")]
    for name, description in document["types"].items():
        lines += render_type(name, description)
    return lines


class WireFormat(SphinxDirective):
    """Insert the rendered wire-format document."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Render the document."""
        document = build_wire_format()
        intro = [
            f"Format ``{document['format']}``, spec version {document['spec_version']}; every "
            f"vector suite ships it as ``{WIRE_FORMAT_FILE}``.",
            "",
        ]
        text = "\n".join(intro + render_document(document))
        return self.parse_text_to_nodes(text, allow_section_headings=True)
