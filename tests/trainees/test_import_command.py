import pytest
from django.core.management import CommandError, call_command

from tests.rosters import csv_bytes, private_media, roster_row, xlsx_bytes  # noqa: F401
from trainees.models import ImportBatch, Member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.fixture
def roster_file(tmp_path):
    def write(rows, name="名册.xlsx", content=None):
        path = tmp_path / name
        path.write_bytes(content or xlsx_bytes(rows))
        return str(path)

    return write


def test_the_command_imports_a_valid_roster_and_records_the_batch(cast, roster_file, capsys):
    call_command("import_members", roster_file([roster_row(n, "乙村党支部") for n in range(1, 6)]))
    out, err = capsys.readouterr()
    assert "新增 5" in out
    assert "5/5" in err  # the progress line
    assert Member.objects.filter(branch=cast.branch_b, name__startswith="导入党员").count() == 5
    assert ImportBatch.objects.get().status == ImportBatch.Status.COMMITTED


def test_the_command_dry_run_writes_nothing(cast, roster_file, capsys):
    call_command("import_members", roster_file([roster_row(1, "甲村党支部")]), "--dry-run")
    assert "试运行" in capsys.readouterr().out
    assert not Member.objects.filter(name__startswith="导入党员").exists()
    assert not ImportBatch.objects.exists()


def test_the_command_fails_and_writes_nothing_when_a_row_is_invalid(cast, roster_file, capsys):
    rows = [roster_row(1, "甲村党支部"), roster_row(2, "甲村党支部", 联系电话="110")]
    with pytest.raises(CommandError, match="有 1 行错误"):
        call_command("import_members", roster_file(rows, "名册.csv", csv_bytes(rows)))
    assert "第 3 行" in capsys.readouterr().out
    assert not Member.objects.filter(name__startswith="导入党员").exists()


def test_the_command_as_a_township_admin_stays_in_their_township(cast, roster_file, capsys):
    with pytest.raises(CommandError):
        call_command("import_members", roster_file([roster_row(1, "乙村党支部")]), "--as-user", "township_a")
    assert "找不到党支部" in capsys.readouterr().out
