"""Roster import: read an .xlsx/.csv roster, validate it in memory, upsert members in bulk.

The pipeline has three steps, each usable on its own:

1. :func:`check_roster_file` and :func:`read_roster` — refuse files that are not
   what they claim (zip signature, zip-bomb sizes, text encoding) and turn the
   first sheet into rows keyed by field, whatever the column order;
2. :func:`plan_member_import` — validate every row against the importer's
   visible branches and the members already on file (a few queries per thousand
   rows, none per row) and sort rows into created / updated / unchanged / invalid;
3. :func:`apply_member_import` — write the new and changed rows at once: a temp
   staging table filled by COPY (PostgreSQL) or one executemany (SQLite), then
   one ``INSERT … SELECT … ON CONFLICT (id_number_hash) DO UPDATE … WHERE changed``.

ID numbers are stored encrypted (trainees.idcrypto): rows are keyed by the number's keyed
hash, an unchanged row is recognised by its hash and its other columns, and only new
members are encrypted — a re-import of the same file writes nothing.
ID and phone numbers never appear in messages or logs: errors name the row.
"""

from __future__ import annotations

import csv
import datetime
import io
import operator
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.personal_data import mask_id_number, scrub, validate_phone

from . import idcrypto
from .importing_checks import (
    ImportFileError,
    check_xlsx_archive,
    row_text_errors,
    without_control_characters,
)
from .models import Branch, Member, MemberGroup
from .validators import (
    id_number_birth_date,
    member_record_errors,
    normalize_id_number,
)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A 20,000-row roster unpacks to about 6 MB of XML; anything far beyond is refused
# before calamine inflates it (zip bombs).
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
READ_CHUNK = 1000
HEADER_SCAN_ROWS = 10

Progress = Callable[[str, int, int], None]

# Field → header names as Chinese rosters spell them (compared after normalisation).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名",),
    "gender": ("性别",),
    "ethnicity": ("民族",),
    "birth_date": ("出生日期", "出生年月", "出生年月日"),
    "id_number": ("公民身份号码", "身份证号", "身份证号码", "公民身份证号码", "身份证"),
    "education": ("学历", "文化程度", "最高学历"),
    "join_date": ("入党时间", "入党日期", "入党年月"),
    "full_date": ("转正时间", "转正日期", "转正年月"),
    "status": ("党员状态", "党籍状态"),
    "category": ("人员类别", "职业类别"),
    "groups": ("党员群体", "群体"),
    "position": ("工作岗位", "岗位", "职务"),
    "branch": ("所在党支部", "党支部", "所在支部", "支部名称", "所在党组织", "党组织"),
    "township": ("所在乡镇", "乡镇", "乡镇（街道）", "所在乡镇（街道）", "乡镇(街道)", "所在乡镇(街道)"),
    "phone": ("联系电话", "手机号码", "手机号", "电话", "联系方式"),
}
REQUIRED_FIELDS = ("name", "id_number", "education", "join_date", "branch")
# Member columns compared and written by an import, in this order (the ID number is the key).
MEMBER_COLUMNS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "phone",
    "education",
    "category",
    "position",
    "join_date",
    "full_date",
    "status",
    "branch_id",
)
# The stored forms of the ID number: the conflict key first; written for new members only.
ID_COLUMNS = ("id_number_hash", "id_number_encrypted", "id_number_masked")
# Columns of the staging table, in this order.
STAGING_COLUMNS = ID_COLUMNS + MEMBER_COLUMNS
_member_values = operator.itemgetter(*MEMBER_COLUMNS)  # a member on file (dict) → its MEMBER_COLUMNS tuple
_id_values = operator.itemgetter(*ID_COLUMNS)
_ALIAS_TO_FIELD = {alias: f for f, aliases in HEADER_ALIASES.items() for alias in aliases}


def _label_map(choices) -> dict[str, str]:
    """Chinese label → value, with plain-str keys: roster cells are Chinese whatever the UI language."""
    with translation.override("zh-hans"):
        return {str(member.label): member.value for member in choices}


_GENDERS = {"男": "M", "女": "F", "M": "M", "F": "F"}
_EDUCATION = {
    **_label_map(Member.Education),
    "博士": "postgraduate",
    "博士研究生": "postgraduate",
    "硕士": "postgraduate",
    "硕士研究生": "postgraduate",
    "本科": "bachelor",
    "大学": "bachelor",
    "大专": "college",
    "专科": "college",
    "中专": "secondary",
    "高中": "secondary",
    "中技": "secondary",
    "职高": "secondary",
    "中专及高中": "secondary",
    "初中": "junior",
    "小学": "junior",
    "小学及以下": "junior",
}
_CATEGORIES = {
    **_label_map(Member.Category),
    "农民": "farmer",
    "管理人员": "manager",
    "机关干部": "organ_staff",
    "公务员": "organ_staff",
    "离退休": "retired",
    "退休": "retired",
    "退休人员": "retired",
    "其他": "other",
}
_STATUSES = {
    **_label_map(Member.Status),
    "正式": "full",
    "预备": "probationary",
}
_DATE_PATTERNS = (
    # 2019-07-01, 2019/7/1, 2019.7.1, 2019年7月1日, 2019年7月, 2019-07, 2019.07
    re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(?:(\d{1,2})\s*日?)?)?$"),
    # 201907, 20190701
    re.compile(r"^(\d{4})(\d{2})(\d{2})?$"),
)
_GROUP_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_PHONE_NOISE = re.compile(r"[\s()（）]")
_GENDER_LABEL = gettext_lazy("性别")
_EDUCATION_LABEL = gettext_lazy("学历")
_CATEGORY_LABEL = gettext_lazy("人员类别")
_STATUS_LABEL = gettext_lazy("党员状态")
_CHOICES = (
    ("education", _EDUCATION, _EDUCATION_LABEL),
    ("category", _CATEGORIES, _CATEGORY_LABEL),
    ("status", _STATUSES, _STATUS_LABEL),
)
assert not any(re.search(r"\s", k) for m in (_GENDERS, _EDUCATION, _CATEGORIES, _STATUSES) for k in m), (
    "_choice looks a cell up as it is before it removes whitespace"
)
_DATE_FIELDS = ("birth_date", "join_date", "full_date")
_LABELS = {f: aliases[0] for f, aliases in HEADER_ALIASES.items()}  # a column's name in messages
# The free-text columns are as long as the member's fields allow, no more.
_MAX_LENGTH = {f: Member._meta.get_field(f).max_length for f in ("name", "ethnicity", "position")}
_UNSEEN = object()
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


class ConcurrentChangeError(Exception):
    """Members changed between validation and the write; the import is rolled back."""


@dataclass(slots=True)
class RosterRow:
    number: int  # the row number the user sees in Excel (1-based, header included)
    cells: dict[str, Any]


@dataclass
class Roster:
    columns: set[str]
    rows: list[RosterRow]


@dataclass
class RowError:
    row: int
    name: str
    messages: list[str]

    def as_dict(self) -> dict:
        # Messages quote cell text; PostgreSQL's jsonb cannot hold NUL, so control characters go.
        # A number typed into the wrong column (an ID under 学历) is quoted masked: the error
        # list outlives the file (trainees.retention).
        return {
            "row": self.row,
            "name": scrub(without_control_characters(self.name)),
            "messages": [scrub(without_control_characters(str(m))) for m in self.messages],
        }


@dataclass
class ImportPlan:
    """What an import would do; nothing in it has touched the database yet."""

    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Final values of every new or changed member row (STAGING_COLUMNS order).
    to_write: list[tuple] = field(default_factory=list)
    # id_number_hash → group pks, for members whose groups are (re)set by the file.
    groups: dict[str, set[int]] = field(default_factory=dict)
    # id_number_hash → pk of the members already on file.
    existing_ids: dict[str, int] = field(default_factory=dict)
    groups_column: bool = False

    @property
    def invalid(self) -> int:
        return len(self.errors)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "invalid": self.invalid,
        }


# --- Reading -------------------------------------------------------------------------------------


def check_roster_file(file: IO[bytes], filename: str, *, size: int | None = None) -> str:
    """Refuse anything but a real .xlsx or a decodable .csv of sane size; return the kind."""
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ImportFileError(_("文件超过 %(mb)d MB，请拆分后分批导入。") % {"mb": MAX_UPLOAD_BYTES // 2**20})
    lower = filename.lower()
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if not head:
        raise ImportFileError(_("所提交的是空文件（0 字节），请确认上传了正确的文件。"))
    if head.startswith(b"\xd0\xcf\x11\xe0") and lower.endswith((".xlsx", ".csv")):  # OLE2: .xls or encrypted
        raise ImportFileError(
            _("文件是旧版 .xls 格式，或设置了打开密码；请取消密码，用 Excel 或 WPS 另存为 .xlsx 后再上传。")
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and lower.endswith(".csv"):
        raise ImportFileError(_("CSV 文件是 UTF-16（Unicode 文本）编码，请另存为 UTF-8 或 GBK 编码的 CSV。"))
    if lower.endswith(".xlsx"):
        if not head.startswith(b"PK\x03\x04"):
            raise ImportFileError(_("文件不是有效的 .xlsx 工作簿，请用 Excel 或 WPS 另存为 .xlsx 后再上传。"))
        _check_zip(file)
        return "xlsx"
    if lower.endswith(".csv"):
        if head.startswith(b"PK\x03\x04") or b"\x00" in head:
            raise ImportFileError(_("文件内容不是 CSV 文本，请确认文件类型。"))
        return "csv"
    if lower.endswith(".xls"):
        raise ImportFileError(_("不支持旧版 .xls 文件，请用 Excel 或 WPS 另存为 .xlsx 后再上传。"))
    raise ImportFileError(_("只能导入 .xlsx 或 .csv 文件。"))


def _check_zip(file: IO[bytes]) -> None:
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise ImportFileError(
                    _("文件不是有效的 .xlsx 工作簿，请用 Excel 或 WPS 另存为 .xlsx 后再上传。")
                )
            if len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > MAX_UNCOMPRESSED_BYTES:
                raise ImportFileError(_("工作簿解压后过大，请拆分后分批导入。"))
            check_xlsx_archive(archive)
    except zipfile.BadZipFile as exc:
        raise ImportFileError(_("文件已损坏，无法作为 .xlsx 打开。")) from exc
    finally:
        file.seek(0)


def read_roster(file: IO[bytes], kind: str) -> Roster:
    """The first sheet's rows keyed by field, starting below the header row."""
    table = _read_xlsx(file) if kind == "xlsx" else _read_csv(file)
    header_index, columns = _find_header(table)
    fields, width = list(columns.values()), max(columns) + 1
    pick = operator.itemgetter(*columns)  # the header has at least the required columns: a tuple
    rows = []
    for index in range(header_index + 1, len(table)):
        values = table[index]
        if len(values) >= width:
            cells = dict(zip(fields, pick(values), strict=True))
        else:  # a short CSV line
            cells = {f: values[i] for i, f in columns.items() if i < len(values)}
        if any(map(_text, cells.values())):
            rows.append(RosterRow(number=index + 1, cells=cells))
    if not rows:
        raise ImportFileError(_("表头下面没有数据行，没有可导入的党员。"))
    return Roster(columns=set(columns.values()), rows=rows)


def _read_xlsx(file: IO[bytes]) -> list[list[Any]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(file)
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError) as exc:
        raise ImportFileError(_("无法读取工作簿，请确认文件未加密、未损坏。")) from exc


def _read_csv(file: IO[bytes]) -> list[list[str]]:
    data = file.read()
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 is a superset of GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("无法识别 CSV 文件的编码，请保存为 UTF-8 或 GBK 编码。"))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        return list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:  # e.g. a field over csv's 128 KB limit
        raise ImportFileError(_("CSV 文件格式有误（某个单元格过长或引号不配对），无法读取。")) from exc


def _normalize_header(value: Any) -> str:
    text = re.sub(r"\s+", "", _text(value)).replace("*", "").replace("＊", "")
    return text.replace("（必填）", "").replace("(必填)", "")


def _find_header(table: list[list[Any]]) -> tuple[int, dict[int, str]]:
    """The header row (roster sheets often start with a title row) and its column → field map."""
    for index, values in enumerate(table[:HEADER_SCAN_ROWS]):
        columns: dict[int, str] = {}
        for i, value in enumerate(values):
            found = _ALIAS_TO_FIELD.get(_normalize_header(value))
            if found and found not in columns.values():
                columns[i] = found
        if "id_number" in columns.values() and "name" in columns.values():
            missing = [f for f in REQUIRED_FIELDS if f not in columns.values()]
            if missing:
                labels = "、".join(HEADER_ALIASES[f][0] for f in missing)
                raise ImportFileError(_("表头缺少必需的列：%(columns)s。") % {"columns": labels})
            return index, columns
    raise ImportFileError(
        _("找不到表头行：前 %(n)d 行中没有同时包含“姓名”和“公民身份号码（身份证号）”的行。")
        % {"n": HEADER_SCAN_ROWS}
    )


# --- Cell values ---------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, str):
        text = value.strip()
        if not text or (text[0] not in "='\ufeff" and "\u3000" not in text):
            return text
    elif value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).replace("\u3000", " ").replace("\ufeff", "").strip()
    if text.startswith('="') and text.endswith('"'):  # Excel's ="0123" text-preserving trick
        text = text[2:-1]
    return text.lstrip("'").strip()


# 18 digits (or 17 and X) that a CSV written from a number column ended with ".0".
_ID_WITH_DECIMALS = re.compile(r"^(\d{17}[\dX])\.0+$", re.ASCII)


def roster_id_number(value: Any) -> tuple[str, bool]:
    """The ID number a roster cell holds, and whether the cell lost digits by being a number.

    An 18-digit number is beyond what a spreadsheet number holds exactly (2**53, 16 digits): a
    cell Excel kept as a number (3.71423199001011E+17) has lost its last digits. It is reported
    as such, and never matched against other rows (they would all look like duplicates). A
    whole number below 2**53 (a 15-digit old number) is exact and read as its digits, and
    ``371423199001011234.0`` in a CSV is the number with a decimal part. Full-width digits and
    spaces are normalized.
    """
    if isinstance(value, bool):
        return "", True
    if isinstance(value, int | float):
        if float(value).is_integer() and 0 <= value < 2**53:
            return str(int(value)), False
        return "", True
    text = normalize_id_number(_text(value))
    if "E+" in text:
        return "", True
    decimals = _ID_WITH_DECIMALS.match(text)
    return (decimals.group(1) if decimals else text), False


def parse_date(value: Any) -> tuple[datetime.date, bool] | None:
    """A date from an Excel cell or text, and whether only year and month were given.

    Returns None for an empty cell; raises ValueError when the value is not a date.
    """
    if isinstance(value, datetime.datetime):
        return value.date(), False
    if isinstance(value, datetime.date):
        return value, False
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 0 < value < 100000:  # an unformatted Excel serial
            return _EXCEL_EPOCH + datetime.timedelta(days=int(value)), False
        # 1998.10 typed into a number cell reads back as 1998.1: two decimals are the month.
        text = str(int(value)) if float(value).is_integer() else f"{value:.2f}"
    else:
        text = _text(value)
    if not text:
        return None
    text = re.split(r"[ T]", text, maxsplit=1)[0]
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = match.groups()
            return datetime.date(int(year), int(month), int(day or 1)), day is None
    raise ValueError(text)


# --- Validation ----------------------------------------------------------------------------------


class BranchIndex:
    """Resolve a roster's branch text to one of the importer's visible branches."""

    def __init__(self, branches: Iterable[Branch]):
        self.by_name: dict[str, list[Branch]] = {}
        self.by_pair: dict[tuple[str, str], Branch] = {}
        self._resolved: dict[tuple[str, str], tuple[Branch | None, str | None]] = {}
        for branch in branches:
            self.by_name.setdefault(branch.name, []).append(branch)
            self.by_pair[(branch.township.name, branch.name)] = branch

    def resolve(self, branch_text: str, township_text: str) -> tuple[Branch | None, str | None]:
        """Each distinct (branch, township) text is resolved once per roster."""
        key = (branch_text, township_text)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = self._resolve(branch_text, township_text)
        return found

    def _resolve(self, branch_text: str, township_text: str) -> tuple[Branch | None, str | None]:
        branch_text = re.sub(r"\s+", "", branch_text)
        township_text = re.sub(r"\s+", "", township_text)
        parts = re.split(r"[/／]", branch_text, maxsplit=1)
        if len(parts) == 2:
            township_text, branch_text = parts
        if township_text:
            branch = self.by_pair.get((township_text, branch_text))
            if branch is None:
                return None, _("在“%(township)s”找不到党支部“%(branch)s”，或您无权向其导入。") % {
                    "township": township_text,
                    "branch": branch_text,
                }
            return branch, None
        candidates = self.by_name.get(branch_text, [])
        if not candidates:
            return None, _("找不到党支部“%(branch)s”，或您无权向其导入。") % {"branch": branch_text}
        if len(candidates) > 1:
            return None, _("多个乡镇都有名为“%(branch)s”的党支部，请写成“乡镇/支部”或填写“所在乡镇”列。") % {
                "branch": branch_text
            }
        return candidates[0], None


def _choice(value: str, mapping: dict[str, str], label) -> tuple[str | None, str | None]:
    found = mapping.get(value)  # the keys have no whitespace (asserted below): the usual cell is one look-up
    if found is not None:
        return found, None
    key = re.sub(r"\s+", "", value)
    if key in mapping:
        return mapping[key], None
    allowed = "、".join(dict.fromkeys(k for k in mapping if not k.isascii()))
    return None, _("%(label)s“%(value)s”无法识别，可填：%(allowed)s。") % {
        "label": label,
        "value": value,
        "allowed": allowed,
    }


class RowValidator:
    """Check roster rows and turn them into member values: one validator per roster.

    The roster rules live here and in what this calls, once each: reading a cell (dates, choices,
    the ID number stored as a number), the free-text checks (trainees.importing_checks), the
    identifier validators and the member record rules that ``Member.clean()`` applies too
    (trainees.validators), lengths from the model's fields. Each distinct date text is parsed once
    per roster and each distinct branch text resolved once (:class:`BranchIndex`).
    """

    def __init__(
        self,
        columns: set[str],
        branches: BranchIndex,
        groups_by_key: dict[str, int],
        *,
        today: datetime.date | None = None,
    ):
        self.columns = columns
        self.branches = branches
        self.groups_by_key = groups_by_key
        self.today = today or datetime.date.today()
        self._dates: dict[str, tuple[datetime.date, bool] | None | ValueError] = {}

    def _date(self, value: Any) -> tuple[datetime.date, bool] | None:
        """parse_date(value); the answer for a text is kept for the rest of the roster."""
        if value.__class__ is not str:
            return parse_date(value)
        found = self._dates.get(value, _UNSEEN)
        if found is _UNSEEN:
            try:
                found = parse_date(value)
            except ValueError as exc:
                found = exc
            self._dates[value] = found
        if isinstance(found, ValueError):
            raise found
        return found

    def validate(
        self, row: RosterRow, existing: dict | None
    ) -> tuple[dict[str, Any] | None, set[int] | None, list[str]]:
        """The member's final values (merged over ``existing``), its groups, and any errors."""
        cells, columns = row.cells, self.columns
        text = {f: _text(v) for f, v in cells.items()}
        errors: list[str] = [
            _("缺少必填项：%(label)s。") % {"label": _LABELS[f]} for f in REQUIRED_FIELDS if not text.get(f)
        ]
        errors += row_text_errors(text, _LABELS)

        values: dict[str, Any] = dict(existing) if existing else {}
        values["name"] = text.get("name", "")
        if len(values["name"]) > _MAX_LENGTH["name"]:
            errors.append(_("姓名过长（最多50个字）。"))

        id_number, as_number = roster_id_number(cells.get("id_number"))
        if as_number:
            errors.append(_("公民身份号码被存成了数字，后几位已丢失；请把该列设为“文本”格式后重新填写。"))
        id_birth = None
        if id_number:
            try:
                id_birth = id_number_birth_date(id_number)
            except ValidationError as exc:
                errors.extend(exc.messages)
                id_number = ""
        values["id_number"] = id_number

        if text.get("gender"):
            values["gender"], error = _choice(text["gender"], _GENDERS, _GENDER_LABEL)
            if error:
                errors.append(error)
            elif id_number and values["gender"] != ("M" if int(id_number[16]) % 2 else "F"):
                errors.append(_("性别与公民身份号码不一致。"))
        elif id_number:
            values["gender"] = "M" if int(id_number[16]) % 2 else "F"

        if text.get("ethnicity"):
            ethnicity = text["ethnicity"]
            values["ethnicity"] = ethnicity if ethnicity.endswith("族") else ethnicity + "族"
            if len(values["ethnicity"]) > _MAX_LENGTH["ethnicity"]:
                errors.append(_("民族填写有误。"))
        else:
            values.setdefault("ethnicity", "汉族")

        dates: dict[str, tuple[datetime.date, bool] | None] = {}
        for f in _DATE_FIELDS:
            if f not in columns:
                continue
            try:
                dates[f] = self._date(cells.get(f))
            except ValueError:
                errors.append(
                    _(
                        "%(label)s“%(value)s”不是可识别的日期（可写 2019-07-01、2019/7/1、2019年7月1日 或 201907）。"
                    )
                    % {"label": _LABELS[f], "value": text.get(f, "")}
                )
                dates[f] = None
        birth = dates.get("birth_date")
        if (
            birth
            and id_birth
            and birth[1]
            and (birth[0].year, birth[0].month) == (id_birth.year, id_birth.month)
        ):
            birth = (id_birth, False)  # "1970年1月" agrees with the ID number, which gives the day
        values["birth_date"] = birth[0] if birth else id_birth
        values["join_date"] = dates["join_date"][0] if dates["join_date"] else None  # a required column
        if "full_date" in columns:
            values["full_date"] = dates["full_date"][0] if dates["full_date"] else None
        values.setdefault("full_date", None)

        for f, mapping, label in _CHOICES:
            if text.get(f):
                values[f], error = _choice(text[f], mapping, label)
                if error:
                    errors.append(error)
        if "status" not in columns and "full_date" in columns:
            values["status"] = Member.Status.FULL if values["full_date"] else Member.Status.PROBATIONARY
        values.setdefault("category", Member.Category.OTHER)
        values.setdefault("status", Member.Status.FULL)

        if "position" in columns:
            values["position"] = text.get("position", "")
            if len(values["position"]) > _MAX_LENGTH["position"]:
                errors.append(_("工作岗位过长（最多100个字）。"))
        values.setdefault("position", "")

        if "phone" in columns:
            phone = text.get("phone", "")
            if not phone.isascii():  # full-width digits, dashes and brackets as ASCII
                phone = unicodedata.normalize("NFKC", phone)
            phone = _PHONE_NOISE.sub("", phone)
            if phone:
                try:
                    validate_phone(phone)
                except ValidationError as exc:
                    errors.extend(exc.messages)
            values["phone"] = phone
        values.setdefault("phone", "")

        if text.get("branch"):
            branch, error = self.branches.resolve(text["branch"], text.get("township", ""))
            if error:
                errors.append(error)
            else:
                values["branch_id"] = branch.pk
                if existing and existing["township_id"] != branch.township_id:
                    errors.append(
                        _(
                            "此人已登记在其他乡镇（街道）的党支部，导入不会转移组织关系；请先办理组织关系转接。"
                        )
                    )

        member_groups = None
        if "groups" in columns:
            member_groups = set()
            for key in _GROUP_SEPARATORS.split(text.get("groups", "")):
                if not key:
                    continue
                if key in self.groups_by_key:
                    member_groups.add(self.groups_by_key[key])
                else:
                    errors.append(_("党员群体“%(group)s”不存在。") % {"group": key})

        # The member record's own rules, as Member.clean() applies them to the values just read.
        for _field, error in member_record_errors(
            id_birth_date=id_birth,
            birth_date=values["birth_date"],
            join_date=values["join_date"],
            full_date=values["full_date"],
            probationary=values["status"] == Member.Status.PROBATIONARY,
            today=self.today,
        ):
            errors.extend(error.messages)
        return (None if errors else values), member_groups, errors


def _existing_members(hashes: list[str], *, with_groups: bool) -> tuple[dict, dict[str, set[int]]]:
    """Members already on file, by ID number hash: READ_CHUNK per query, never one per row.

    On PostgreSQL, one query for the whole roster (the hashes as one array parameter).
    """
    if connection.vendor == "postgresql":
        return _existing_members_postgres(hashes, with_groups=with_groups)
    existing: dict[str, dict] = {}
    groups: dict[str, set[int]] = {}
    through = Member.groups.through
    for start in range(0, len(hashes), READ_CHUNK):
        chunk = hashes[start : start + READ_CHUNK]
        for row in Member.objects.filter(id_number_hash__in=chunk).values(
            "pk", *ID_COLUMNS, *MEMBER_COLUMNS, township_id=F("branch__township_id")
        ):
            existing[row["id_number_hash"]] = row
        if with_groups:
            pairs = through.objects.filter(member__id_number_hash__in=chunk).values_list(
                "member__id_number_hash", "membergroup_id"
            )
            for id_hash, group_id in pairs:
                groups.setdefault(id_hash, set()).add(group_id)
    return existing, groups


def _existing_members_postgres(hashes: list[str], *, with_groups: bool) -> tuple[dict, dict[str, set[int]]]:
    existing: dict[str, dict] = {}
    groups: dict[str, set[int]] = {}
    if not hashes:
        return existing, groups
    member_table, branch_table = Member._meta.db_table, Branch._meta.db_table
    keys = ("pk", *ID_COLUMNS, *MEMBER_COLUMNS, "township_id")
    columns = ", ".join(f"m.{c}" for c in ("id", *ID_COLUMNS, *MEMBER_COLUMNS))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, b.township_id FROM {member_table} m "
            f"JOIN {branch_table} b ON b.id = m.branch_id WHERE m.id_number_hash = ANY(%s)",
            [hashes],
        )
        for row in cursor.fetchall():
            existing[row[1]] = dict(zip(keys, row, strict=True))
        if with_groups and existing:
            through = Member.groups.through._meta.db_table
            cursor.execute(
                f"SELECT m.id_number_hash, g.membergroup_id FROM {through} g "
                f"JOIN {member_table} m ON m.id = g.member_id WHERE m.id_number_hash = ANY(%s)",
                [list(existing)],
            )
            for id_hash, group_id in cursor.fetchall():
                groups.setdefault(id_hash, set()).add(group_id)
    return existing, groups


def plan_member_import(
    roster: Roster, *, branches: Iterable[Branch], progress: Progress | None = None
) -> ImportPlan:
    """Validate every row and decide what would be created, updated or left alone."""
    plan = ImportPlan(total=len(roster.rows), groups_column="groups" in roster.columns)
    index = BranchIndex(branches)
    groups_by_key: dict[str, int] = {}
    if plan.groups_column:
        for pk, code, name in MemberGroup.objects.values_list("pk", "code", "name"):
            groups_by_key[code] = groups_by_key[name] = pk

    first_row: dict[str, int] = {}
    duplicates: dict[int, int] = {}
    row_ids: list[str] = []
    for row in roster.rows:
        id_number, _as_number = roster_id_number(row.cells.get("id_number"))  # damaged: never a duplicate
        row_ids.append(id_number)
        if id_number in first_row:
            duplicates[row.number] = first_row[id_number]
        elif id_number:
            first_row[id_number] = row.number
    # ID number → its keyed hash, computed once per number.
    hashes = dict(zip(first_row, idcrypto.blind_indexes(first_row), strict=True))
    existing, existing_groups = _existing_members(list(hashes.values()), with_groups=plan.groups_column)
    plan.existing_ids = {k: v["pk"] for k, v in existing.items()}

    validator = RowValidator(roster.columns, index, groups_by_key)
    new_numbers: list[str] = []  # encrypted all at once, in to_write's order of new rows
    new_rows: list[int] = []
    for done, (row, id_number) in enumerate(zip(roster.rows, row_ids, strict=True), 1):
        id_hash = hashes.get(id_number, "")
        current = existing.get(id_hash) if id_hash else None
        values, member_groups, errors = validator.validate(row, current)
        if row.number in duplicates:
            errors.insert(0, _("公民身份号码与第 %(row)d 行重复。") % {"row": duplicates[row.number]})
            values = None
        if errors:
            plan.errors.append(
                RowError(row=row.number, name=_text(row.cells.get("name"))[:50], messages=errors)
            )
        else:
            final = _member_values(values)
            row_changed = current is None or final != _member_values(current)
            groups_changed = member_groups is not None and member_groups != existing_groups.get(
                id_hash, set()
            )
            if row_changed:
                # Only a new member is encrypted (below, all at once); a changed one keeps its ciphertext.
                if current is None:
                    new_numbers.append(id_number)
                    new_rows.append(len(plan.to_write))
                    plan.to_write.append((id_hash, "", mask_id_number(id_number), *final))
                else:
                    plan.to_write.append(_id_values(current) + final)
            if groups_changed:
                plan.groups[id_hash] = member_groups
            if current is None:
                plan.created += 1
            elif row_changed or groups_changed:
                plan.updated += 1
            else:
                plan.unchanged += 1
        if progress and (done % 1000 == 0 or done == plan.total):
            progress("validate", done, plan.total)
    if plan.is_valid:  # an invalid plan is never written: its new rows need no ciphertext
        for i, token in zip(new_rows, idcrypto.encrypt_many(new_numbers), strict=True):
            plan.to_write[i] = (plan.to_write[i][0], token, *plan.to_write[i][2:])
    return plan


# --- Writing -------------------------------------------------------------------------------------


def apply_member_import(plan: ImportPlan, *, progress: Progress | None = None) -> tuple[list[int], list[int]]:
    """Write a valid plan's new and changed rows in one statement; call inside a transaction.

    Returns the pks of the members created and of those updated (row or groups), for the audit trail.
    """
    assert plan.is_valid, "an import with invalid rows must not be written"
    if not plan.to_write and not plan.groups:
        return [], []
    member_table = Member._meta.db_table
    branch_table = Branch._meta.db_table
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    postgres = connection.vendor == "postgresql"
    compare = "IS DISTINCT FROM" if postgres else "IS NOT"
    columns = ", ".join(STAGING_COLUMNS)
    # The ID columns are never updated: same hash, same number, and its ciphertext stays.
    updates = ", ".join(f"{c} = excluded.{c}" for c in MEMBER_COLUMNS)
    changed = " OR ".join(f"{member_table}.{c} {compare} excluded.{c}" for c in MEMBER_COLUMNS)
    # Every row new (a first import): a plain INSERT, which PostgreSQL does with less work per
    # row than an upsert; a member created meanwhile by someone else then breaks the unique hash.
    all_new = plan.created == len(plan.to_write)
    conflict = (
        ""
        if all_new
        else f"""
                ON CONFLICT (id_number_hash) DO UPDATE SET {updates}, updated_at = excluded.updated_at
                WHERE ({changed})
                  AND (SELECT township_id FROM {branch_table} WHERE id = {member_table}.branch_id)
                    = (SELECT township_id FROM {branch_table} WHERE id = excluded.branch_id)"""
    )
    # The hashes come back only when group memberships need the new members' pks.
    returning = "id, id_number_hash" if plan.groups else "id"
    written: list[tuple] = []
    with connection.cursor() as cursor:
        if plan.to_write:
            _fill_staging(cursor, plan.to_write, postgres=postgres)
            # The ON CONFLICT … WHERE also keeps a member created meanwhile in another township
            # where it is: it is then missing from RETURNING and the import is rolled back.
            try:
                with transaction.atomic():
                    cursor.execute(
                        f"""
                        INSERT INTO {member_table} ({columns}, is_active, created_at, updated_at)
                        SELECT {columns}, %s, %s, %s FROM member_import_staging WHERE true{conflict}
                        RETURNING {returning}
                        """,
                        [True, stamp, stamp],
                    )
                    written = cursor.fetchall()
            except IntegrityError as exc:
                raise ConcurrentChangeError from exc
            cursor.execute("DROP TABLE member_import_staging")
            if len(written) != len(plan.to_write):
                raise ConcurrentChangeError
        if progress:
            progress("write", len(plan.to_write), len(plan.to_write))
    if plan.groups:
        _write_groups(plan, {**plan.existing_ids, **{id_hash: pk for pk, id_hash in written}})
    existing_pks = set(plan.existing_ids.values())
    created = [row[0] for row in written if row[0] not in existing_pks]
    updated = {row[0] for row in written if row[0] in existing_pks}
    updated.update(plan.existing_ids[id_hash] for id_hash in plan.groups if id_hash in plan.existing_ids)
    return created, sorted(updated)


def _fill_staging(cursor, rows: list[tuple], *, postgres: bool) -> None:
    member_table = Member._meta.db_table
    columns = ", ".join(STAGING_COLUMNS)
    if postgres:
        cursor.execute(
            f"CREATE TEMP TABLE member_import_staging ON COMMIT DROP AS "
            f"SELECT {columns} FROM {member_table} WITH NO DATA"
        )
        cursor.cursor.copy_expert(
            f"COPY member_import_staging ({columns}) FROM STDIN", io.StringIO(_copy_text(rows))
        )
    else:
        cursor.execute(
            f"CREATE TEMP TABLE member_import_staging AS SELECT {columns} FROM {member_table} LIMIT 0"
        )
        placeholders = ", ".join(["%s"] * len(STAGING_COLUMNS))
        adapt = connection.ops.adapt_datefield_value
        cursor.executemany(
            f"INSERT INTO member_import_staging ({columns}) VALUES ({placeholders})",
            [tuple(adapt(v) if isinstance(v, datetime.date) else v for v in row) for row in rows],
        )


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(rows: list[tuple]) -> str:
    """Rows in COPY's text format: one join per row; only a row with a NULL, or with a tab, newline
    or backslash in some value (which the joined line shows), has its values escaped one by one."""
    tabs = len(STAGING_COLUMNS) - 1
    lines = []
    for row in rows:
        if None not in row:
            line = "\t".join(map(str, row))
            if line.count("\t") == tabs and "\\" not in line and "\n" not in line and "\r" not in line:
                lines.append(line)
                continue
        lines.append("\t".join(r"\N" if v is None else str(v).translate(_COPY_ESCAPES) for v in row))
    lines.append("")
    return "\n".join(lines)


def _write_groups(plan: ImportPlan, member_ids: dict[str, int]) -> None:
    """``member_ids``: id_number_hash → pk."""
    through = Member.groups.through
    ids = [member_ids[id_hash] for id_hash in plan.groups]
    for start in range(0, len(ids), READ_CHUNK):
        through.objects.filter(member_id__in=ids[start : start + READ_CHUNK]).delete()
    through.objects.bulk_create(
        [
            through(member_id=member_ids[id_hash], membergroup_id=group_id)
            for id_hash, group_ids in plan.groups.items()
            for group_id in group_ids
        ]
    )
