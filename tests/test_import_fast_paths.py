"""The import's fast paths give the same answers as the thorough ones they stand in for."""

import io

import pytest

from trainees import importing_checks
from trainees.importing_checks import SheetTooLarge, _scan_sheet, _sheet_is_small


def sheet(*refs: str, empty: bool = False) -> bytes:
    cells = "".join(f'<c r="{r}"/>' if empty else f'<c r="{r}" t="n"><v>1</v></c>' for r in refs)
    return f"<worksheet><sheetData><row>{cells}</row></sheetData></worksheet>".encode()


@pytest.mark.parametrize(
    ("refs", "small"),
    [
        (["A1", "K20002"], True),
        (["Z99999"], True),
        (["AA1"], False),  # a second column letter: the per-cell scan decides
        (["A100000"], False),  # six row digits: the per-cell scan decides
        (["XFD1048576"], False),
    ],
)
def test_a_sheet_is_small_only_when_no_reference_can_reach_past_z99999(refs, small):
    assert _sheet_is_small(io.BytesIO(sheet(*refs))) is small


def test_a_reference_split_between_two_chunks_is_still_seen(monkeypatch):
    monkeypatch.setattr(importing_checks, "_CHUNK", 7)
    data = sheet("A1", "XFD1048576")
    assert _sheet_is_small(io.BytesIO(data)) is False
    with pytest.raises(SheetTooLarge):
        _scan_sheet(io.BytesIO(data))


def test_every_sheet_the_full_scan_refuses_fails_the_quick_test():
    for refs in (["A1", "A100001"], ["A1", "XFD1048576"], ["AZ1", "A99999"]):
        with pytest.raises(SheetTooLarge):
            _scan_sheet(io.BytesIO(sheet(*refs)))
        assert not _sheet_is_small(io.BytesIO(sheet(*refs)))
