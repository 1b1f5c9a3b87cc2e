"""Generate the bad-roster corpus in tests/data/bad_rosters/ and its MANIFEST.json.

    .venv/bin/python tests/data/make_bad_rosters.py

The files are committed, so tests/trainees/test_bad_rosters.py does not run this. Two
files need packages the portal does not depend on; install them somewhere
private just for generating (``pip install --target /tmp/gendeps xlwt
msoffcrypto-tool olefile cryptography`` and ``PYTHONPATH=/tmp/gendeps``).
Without them those two files are left as they are.

Every file is bad for county staff and for the admin of 甲镇 alike (the test's
cast: branch 甲村党支部 in 甲镇). MANIFEST.json says for each file either
``{"file": "<fragment of the file-level message>"}`` or ``{"rows": {"<row>":
"<fragment of that row's message>"}}``: row numbers are the ones Excel shows.
Not here: the oversized upload (10 MB + 1 byte), made at test time.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import struct
import zipfile
from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).resolve().parent / "bad_rosters"
BRANCH = "甲村党支部"
HEADERS = [
    "序号",
    "姓名",
    "性别",
    "出生日期",
    "公民身份号码",
    "学历",
    "入党时间",
    "转正时间",
    "所在党支部",
    "联系电话",
]
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# 1×1 transparent PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)

manifest: dict[str, dict] = {}


def id_number(birth: datetime.date, seq: int = 1) -> str:
    first17 = f"371422{birth:%Y%m%d}{seq:03d}"
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def row(n: int, **overrides) -> dict:
    """A valid row (male, born 1975 + n days) of 甲村党支部."""
    birth = datetime.date(1975, 1, 1) + datetime.timedelta(days=n)
    values = {
        "序号": n,
        "姓名": f"语料党员{n}",
        "性别": "男",
        "出生日期": birth.isoformat(),
        "公民身份号码": id_number(birth),
        "学历": "大学本科",
        "入党时间": "2005-07-01",
        "转正时间": "2006-07-01",
        "所在党支部": BRANCH,
        "联系电话": f"139{n:08d}",
    }
    values.update(overrides)
    return values


def workbook(rows: list[dict], headers: list[str] | None = None, title: bool = True) -> Workbook:
    headers = headers or HEADERS
    book = Workbook()
    sheet = book.active
    sheet.title = "花名册"
    if title:
        sheet.append(["宁津县党员花名册"])
    sheet.append(headers)
    for values in rows:
        sheet.append([values.get(h) for h in headers])
    return book


def save_book(name: str, book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    write(name, buffer.getvalue())
    return buffer.getvalue()


def xlsx(name: str, rows: list[dict], **kwargs) -> bytes:
    return save_book(name, workbook(rows, **kwargs))


def csv_text(rows: list[dict], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(list(rows[0]))
    for values in rows:
        writer.writerow(list(values.values()))
    return buffer.getvalue()


def write(name: str, content: bytes) -> None:
    (OUT / name).write_bytes(content)


def expect(name: str, *, file: str | None = None, rows: dict[int, str] | None = None) -> None:
    manifest[name] = {"file": file} if file else {"rows": {str(k): v for k, v in rows.items()}}


NOT_XLSX = "不是有效的 .xlsx"
OLE2 = "旧版 .xls 格式，或设置了打开密码"
TOO_BIG = "解压后过大"


def build() -> None:
    OUT.mkdir(exist_ok=True)
    good = [row(1), row(2)]  # rows 3 and 4 under the title and header rows

    # --- headers and layout ---
    english = ["No", "Name", "Gender", "Birth", "ID", "Education", "Joined", "Full", "Branch", "Phone"]
    save_book("wrong_headers.xlsx", _renamed_headers(good, english))
    expect("wrong_headers.xlsx", file="找不到表头行")
    xlsx("missing_required_column.xlsx", good, headers=[h for h in HEADERS if h != "学历"])
    expect("missing_required_column.xlsx", file="表头缺少必需的列：学历")
    xlsx("header_only.xlsx", [])
    expect("header_only.xlsx", file="表头下面没有数据行")
    book = workbook([*good, row(3)])
    book.active.insert_rows(3)  # a second copy of the header row below the first
    for column, header in enumerate(HEADERS, 1):
        book.active.cell(row=3, column=column, value=header)
    save_book("two_header_rows.xlsx", book)
    expect("two_header_rows.xlsx", rows={3: "公民身份号码应为18位"})
    book = workbook([*good, row(3)])
    book.active.merge_cells("B4:B5")  # 姓名 of rows 4 and 5 merged: row 5 has no name
    book.active.merge_cells("I3:I5")
    save_book("merged_cells.xlsx", book)
    expect("merged_cells.xlsx", rows={4: "缺少必填项：所在党支部", 5: "缺少必填项：姓名"})
    book = workbook([row(1), row(2, 姓名='=CONCATENATE("语料","党员")', 入党时间="=DATE(2005,7,1)")])
    save_book("formulas_in_cells.xlsx", book)  # formulas without cached values read as empty
    expect("formulas_in_cells.xlsx", rows={4: "缺少必填项：姓名"})
    book = workbook([row(1), row(2), row(3), row(4, 联系电话="1390000")])
    book.active.insert_rows(5, amount=3)  # three blank rows between row 4 and the rest
    save_book("blank_rows_in_middle.xlsx", book)
    expect("blank_rows_in_middle.xlsx", rows={9: "联系电话格式不正确"})
    book = workbook(good)
    book.active.sheet_state = "hidden"
    book.create_sheet("真正的名册").append(HEADERS)
    save_book("hidden_first_sheet.xlsx", book)
    expect("hidden_first_sheet.xlsx", file="第一张工作表是隐藏的")
    book = Workbook()
    book.active.title = "填表说明"
    book.active.append(["请在第二张工作表填写名册"])
    data = book.create_sheet("名册")
    data.append(HEADERS)
    for values in good:
        data.append([values[h] for h in HEADERS])
    save_book("data_on_second_sheet.xlsx", book)
    expect("data_on_second_sheet.xlsx", file="找不到表头行")

    # --- row values ---
    xlsx("duplicate_ids.xlsx", [row(1), row(2), row(3, 公民身份号码=row(1)["公民身份号码"])])
    expect("duplicate_ids.xlsx", rows={5: "与第 3 行重复"})
    bad = row(2)
    bad["公民身份号码"] = bad["公民身份号码"][:17] + ("0" if bad["公民身份号码"][17] != "0" else "1")
    xlsx("bad_checksum.xlsx", [row(1), bad])
    expect("bad_checksum.xlsx", rows={4: "校验位不正确"})
    xlsx("birth_date_mismatch.xlsx", [row(1), row(2, 出生日期="1960-01-01")])
    expect("birth_date_mismatch.xlsx", rows={4: "出生日期与公民身份号码中的出生日期不一致"})
    # A full-width digit is read as the digit (NFKC): the last one is refused for its 10 digits.
    phones = ["1234", "139-0000-000a", "23912345678", "１３９１２３４５６７"]
    xlsx("malformed_phones.xlsx", [row(1), *(row(n + 2, 联系电话=p) for n, p in enumerate(phones))])
    expect("malformed_phones.xlsx", rows={n + 4: "联系电话格式不正确" for n in range(len(phones))})
    xlsx("unknown_branch.xlsx", [row(1), row(2, 所在党支部="不存在的党支部")])
    expect("unknown_branch.xlsx", rows={4: "找不到党支部“不存在的党支部”"})
    xlsx("unknown_choices.xlsx", [row(1), row(2, 学历="幼儿园"), row(3, 性别="未知")])
    expect("unknown_choices.xlsx", rows={4: "学历“幼儿园”无法识别", 5: "性别“未知”无法识别"})
    xlsx("gender_mismatch.xlsx", [row(1), row(2, 性别="女")])
    expect("gender_mismatch.xlsx", rows={4: "性别与公民身份号码不一致"})
    xlsx(
        "impossible_dates.xlsx",
        [row(1), row(2, 入党时间="2019-13-45"), row(3, 转正时间="2019-02-30"), row(4, 入党时间="0000-00-00")],
    )
    expect(
        "impossible_dates.xlsx", rows={4: "不是可识别的日期", 5: "不是可识别的日期", 6: "不是可识别的日期"}
    )
    xlsx("future_join_date.xlsx", [row(1), row(2, 入党时间="2099-07-01", 转正时间="")])
    expect("future_join_date.xlsx", rows={4: "入党日期不能晚于今天"})
    xlsx("join_before_18.xlsx", [row(1), row(2, 入党时间="1985-07-01", 转正时间="1986-07-01")])
    expect("join_before_18.xlsx", rows={4: "入党日期须在年满18周岁之后"})
    headers = [*HEADERS, "党员状态"]
    xlsx(
        "probationary_with_full_date.xlsx",
        [row(1, 党员状态="正式党员"), row(2, 党员状态="预备党员")],
        headers=headers,
    )
    expect("probationary_with_full_date.xlsx", rows={4: "预备党员不应有转正日期"})
    xlsx("long_name.xlsx", [row(1), row(2, 姓名="长" * 500)])
    expect("long_name.xlsx", rows={4: "姓名过长"})
    number_id = row(2)
    number_id["公民身份号码"] = int(number_id["公民身份号码"][:17])
    xlsx("id_stored_as_number.xlsx", [row(1), number_id])
    expect("id_stored_as_number.xlsx", rows={4: "被存成了数字"})
    # Full-width digits are read as digits (NFKC): what is left wrong is the check character,
    # and that is what the row is refused for — not a misleading "应为18位".
    wide = row(2)
    number = wide["公民身份号码"]
    wrong_check = "0" if number[17] != "0" else "1"
    wide["公民身份号码"] = number[:14] + "００１" + wrong_check
    xlsx("fullwidth_digits_in_id.xlsx", [row(1), wide])
    expect("fullwidth_digits_in_id.xlsx", rows={4: "校验位不正确"})
    xlsx("unknown_group.xlsx", [row(1), row(2, 党员群体="不存在的群体")], headers=[*HEADERS, "党员群体"])
    expect("unknown_group.xlsx", rows={4: "党员群体“不存在的群体”不存在"})
    injections = ["=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"]
    book = workbook([row(1), *(row(n + 2, 姓名=s) for n, s in enumerate(injections))])
    for (cell,) in book.active.iter_rows(min_row=3, min_col=2, max_col=2):
        cell.data_type = "s"  # stored as text, as a user typing '=cmd… or pasting would
    save_book("formula_injection.xlsx", book)
    expect("formula_injection.xlsx", rows={n + 4: "不能以 =、+、-、@ 开头" for n in range(len(injections))})

    # --- CSV ---
    rows = [row(1), row(2, 联系电话="电话待补")]
    write("gbk_bad_row.csv", csv_text(rows).encode("gbk"))
    expect("gbk_bad_row.csv", rows={3: "联系电话格式不正确"})
    rows = [row(1, 姓名="赵䶮"), row(2, 姓名="王䶮", 公民身份号码=bad["公民身份号码"])]
    write("gb18030_bad_row.csv", csv_text(rows).encode("gb18030"))
    expect("gb18030_bad_row.csv", rows={3: "校验位不正确"})
    write("utf16.csv", csv_text([row(1), row(2)]).encode("utf-16"))
    expect("utf16.csv", file="UTF-16")
    rows = [row(1), row(2, 所在党支部="无此支部")]
    write("bom_semicolons.csv", csv_text(rows, delimiter=";").encode("utf-8-sig"))
    expect("bom_semicolons.csv", rows={3: "找不到党支部“无此支部”"})
    write("nul_in_name.csv", csv_text([row(1), row(2, 姓名="张\x00三")]).encode("utf-8"))
    expect("nul_in_name.csv", rows={3: "姓名含有不可见的控制字符"})
    write("nul_at_start.csv", b"\x00\x00\x00\x00" + csv_text(good).encode("utf-8"))
    expect("nul_at_start.csv", file="不是 CSV 文本")
    rows = [row(1), row(2, 姓名="-2+3+cmd|' /C calc'!A0"), row(3, 姓名='=HYPERLINK("http://x","点我")')]
    write("formula_injection.csv", csv_text(rows).encode("utf-8"))
    expect("formula_injection.csv", rows={3: "不能以 =、+、-、@ 开头", 4: "不能以 =、+、-、@ 开头"})
    write("huge_cell.csv", csv_text([row(1), row(2, 工作岗位="岗" * 140_000)]).encode("utf-8"))
    expect("huge_cell.csv", file="CSV 文件格式有误")
    write("prose.csv", "这不是名册，只是一段说明文字。\n第二行说明。\n".encode())
    expect("prose.csv", file="找不到表头行")
    write("empty.csv", b"")
    expect("empty.csv", file="空文件")

    # --- not an xlsx at all ---
    write("empty.xlsx", b"")
    expect("empty.xlsx", file="空文件")
    write("png_renamed.xlsx", PNG)
    expect("png_renamed.xlsx", file=NOT_XLSX)
    write("png_renamed.csv", PNG)
    expect("png_renamed.csv", file="无法识别 CSV 文件的编码")
    write("text_renamed.xlsx", csv_text(good).encode("utf-8"))
    expect("text_renamed.xlsx", file=NOT_XLSX)
    valid = xlsx("truncated.xlsx", good)
    write("truncated.xlsx", valid[: len(valid) // 2])
    expect("truncated.xlsx", file="文件已损坏")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # a zip, but not a workbook (like a .docx)
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    write("docx_renamed.xlsx", buffer.getvalue())
    expect("docx_renamed.xlsx", file=NOT_XLSX)
    _old_formats(good)

    # --- zip bombs and huge sheets ---
    _zip_bombs(valid)
    book = workbook(good)
    book.active["XFD1048576"] = "x"  # 5 KB on disk; calamine would allocate 17 billion cells
    save_book("far_apart_cells.xlsx", book)
    expect("far_apart_cells.xlsx", file="数据范围过大")
    book = workbook(good)
    book.active["A1048576"] = "x"
    save_book("a_million_rows.xlsx", book)
    expect("a_million_rows.xlsx", file="数据范围过大")

    (OUT / "MANIFEST.json").write_text(
        json.dumps(dict(sorted(manifest.items())), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


def _renamed_headers(rows: list[dict], headers: list[str]) -> Workbook:
    book = workbook(rows)
    for column, header in enumerate(headers, 1):
        book.active.cell(row=2, column=column, value=header)
    return book


def _old_formats(good: list[dict]) -> None:
    expect("real_xls_renamed.xlsx", file=OLE2)
    expect("real_old_format.xls", file="不支持旧版 .xls")
    expect("encrypted.xlsx", file=OLE2)
    try:
        import xlwt
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        print("xlwt / msoffcrypto-tool not installed: the .xls and encrypted files are kept as they are")
        return
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("花名册")
    for c, header in enumerate(HEADERS):
        sheet.write(0, c, header)
    for r, values in enumerate(good, 1):
        for c, header in enumerate(HEADERS):
            sheet.write(r, c, values[header])
    buffer = io.BytesIO()
    book.save(buffer)
    write("real_xls_renamed.xlsx", buffer.getvalue())
    write("real_old_format.xls", buffer.getvalue())
    plain = io.BytesIO()
    workbook(good).save(plain)
    plain.seek(0)
    encrypted = io.BytesIO()
    OOXMLFile(plain).encrypt("ningjin2026", encrypted)
    write("encrypted.xlsx", encrypted.getvalue())


def _zip_bombs(valid: bytes) -> None:
    # Honest headers: 250 MB of zeros declared beside a valid workbook (~250 KB on disk).
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(valid)) as source, zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info), compress_type=zipfile.ZIP_DEFLATED)
        padding = zipfile.ZipInfo("xl/media/padding.bin")
        padding.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(padding, "w", force_zip64=True) as entry:
            block = b"\0" * (1 << 20)
            for _ in range(250):
                entry.write(block)
    write("zip_bomb.xlsx", buffer.getvalue())
    expect("zip_bomb.xlsx", file=TOO_BIG)

    # Lying headers: the sheet declares 2 KB but inflates to 60 MB of spaces.
    sheet_name = "xl/worksheets/sheet1.xml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(valid)) as source, zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == sheet_name:
                data = data.replace(b"</worksheet>", b" " * 60_000_000 + b"</worksheet>")
            archive.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    write("zip_bomb_lying_sizes.xlsx", _declare_size(buffer.getvalue(), sheet_name, 2048))
    expect("zip_bomb_lying_sizes.xlsx", file="文件已损坏")

    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(valid)) as source, zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info), compress_type=zipfile.ZIP_DEFLATED)
        for n in range(2500):
            archive.writestr(f"xl/media/image{n}.bin", b"", compress_type=zipfile.ZIP_DEFLATED)
    write("too_many_entries.xlsx", buffer.getvalue())
    expect("too_many_entries.xlsx", file=TOO_BIG)


def _declare_size(content: bytes, name: str, size: int) -> bytes:
    """Overwrite the uncompressed size of ``name`` in its local header and central directory entry."""
    data = bytearray(content)
    encoded = name.encode()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = archive.getinfo(name)
    struct.pack_into("<I", data, info.header_offset + 22, size)  # local file header
    position = 0
    while (position := data.find(b"PK\x01\x02", position)) != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46 : position + 46 + name_length]) == encoded:
            struct.pack_into("<I", data, position + 24, size)
            break
        position += 4
    return bytes(data)


if __name__ == "__main__":
    build()
    print(f"{len(manifest)} files in {OUT}")
