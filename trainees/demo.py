"""Demo organisation for seed_demo: Ningjin's real townships, invented branches and people.

Township names and statistics codes are real (2023 codes); districts, villages,
branches and every person are invented — the real ones are not public.
Everything is keyed so that running the seed twice creates nothing new.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.roles import Role

from .duties import grant_duty_permissions
from .models import Branch, Department, District, Member, MemberGroup, Profile, Township
from .validators import id_number_check_char

DEMO_PASSWORD = "Ningjin2026demo"

DISTRICTS = ["城区片区", "东部片区", "西部片区", "南部片区"]

# (code, name, kind, district index)
TOWNSHIPS = [
    ("371422001", "宁城街道", Township.Kind.SUBDISTRICT, 0),
    ("371422002", "津城街道", Township.Kind.SUBDISTRICT, 0),
    ("371422101", "柴胡店镇", Township.Kind.TOWN, 1),
    ("371422102", "长官镇", Township.Kind.TOWN, 1),
    ("371422103", "杜集镇", Township.Kind.TOWN, 1),
    ("371422104", "保店镇", Township.Kind.TOWN, 2),
    ("371422105", "大柳镇", Township.Kind.TOWN, 2),
    ("371422106", "大曹镇", Township.Kind.TOWN, 2),
    ("371422107", "相衙镇", Township.Kind.TOWN, 3),
    ("371422108", "时集镇", Township.Kind.TOWN, 3),
    ("371422109", "张大庄镇", Township.Kind.TOWN, 3),
    ("371422201", "刘营伍乡", Township.Kind.TOWNSHIP, 0),
]

DEPARTMENTS = [
    "县委党校",
    "县委宣传部",
    "县农业农村局",
    "县工业和信息化局",
    "县商务局",
    "县人力资源和社会保障局",
    "县司法局",
    "县退役军人事务局",
    "县卫生健康局",
    "县教育和体育局",
]

# (code, name, hours target, exempt)
GROUPS = [
    ("secretary", "支部书记", Decimal("56"), False),
    ("committee", "支委委员", Decimal("56"), False),
    ("village_cadre", "村（社区）干部", None, False),
    ("young", "青年党员（35岁及以下）", None, False),
    ("elderly_infirm", "年老体弱党员", None, True),
    ("mobile", "流动党员", None, False),
]

SURNAMES = "王李张刘陈杨赵孙周吴徐马朱胡郭高林何罗宋郑梁谢韩唐冯于董程曹袁邓许傅沈彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "建国华明军伟芳秀英丽强磊洋勇艳杰娟涛超明霞平刚桂兰志红玉凤海波东亮云鹏飞德福庆文斌静敏晓宇"
VILLAGE_PREFIX = "东西南北前后大小新王李张刘陈杨赵孙郭马高"
VILLAGE_SUFFIX = ["庄", "屯", "集", "家村", "官庄", "店", "洼", "寨", "营", "楼"]
ENTERPRISES = [
    "五金机械有限公司",
    "实木家具有限公司",
    "电梯配件有限公司",
    "健身器材有限公司",
    "弹簧制造有限公司",
]


def seed_organisation(*, branches_total: int, township_count: int = len(TOWNSHIPS)) -> list[Township]:
    """All townships; branches only in the first ``township_count`` of them."""
    districts = [
        District.objects.update_or_create(name=name, defaults={"sort_order": i})[0]
        for i, name in enumerate(DISTRICTS)
    ]
    townships = []
    for code, name, kind, district in TOWNSHIPS:
        township, _ = Township.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "district": districts[district],
                "party_school": f"{name}党校",
                "address": f"宁津县{name}党群服务中心",
            },
        )
        townships.append(township)
    for name in DEPARTMENTS:
        Department.objects.get_or_create(name=name)
    for i, (code, name, target, exempt) in enumerate(GROUPS):
        MemberGroup.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "study_hours_target": target,
                "exempt_from_target": exempt,
                "sort_order": i,
            },
        )
    _seed_branches(townships[:township_count], branches_total)
    return townships


def _seed_branches(townships: list[Township], branches_total: int) -> None:
    rng = random.Random(20260101)
    per_township = max(2, branches_total // len(townships))
    rows = []
    for township in townships:
        urban = township.kind == Township.Kind.SUBDISTRICT
        names: set[str] = set()
        for i in range(per_township):
            if i == 0:
                name, domain = f"{township.name}机关党支部", Branch.Domain.ORGAN
            elif i == 1:
                name, domain = f"{township.name}中心小学党支部", Branch.Domain.SCHOOL
            elif i % 9 == 2:
                firm = ENTERPRISES[i % len(ENTERPRISES)]
                name, domain = f"宁津县{township.name[:2]}{firm}党支部", Branch.Domain.ENTERPRISE
            elif urban:
                name, domain = f"{township.name[:2]}第{i}社区党支部", Branch.Domain.COMMUNITY
            else:
                name, domain = "", Branch.Domain.RURAL
                while not name or name in names:
                    name = rng.choice(VILLAGE_PREFIX) + rng.choice(SURNAMES) + rng.choice(VILLAGE_SUFFIX)
                    name = f"{name}党支部"
            if name in names:
                name = f"{name[:-3]}{i}党支部"
            names.add(name)
            secretary = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            rows.append(Branch(township=township, name=name, domain=domain, secretary_name=secretary))
    Branch.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


def _id_number(birth: datetime.date, seq: int, female: bool) -> str:
    # The 17th digit is odd for men, even for women.
    seq = (seq % 500) * 2 + (0 if female else 1)
    first17 = f"371422{birth:%Y%m%d}{seq:03d}"
    return first17 + id_number_check_char(first17)


def seed_members(*, count: int, townships: list[Township]) -> None:
    """``count`` members spread over every branch; existing ones are left as they are."""
    branches = list(
        Branch.objects.filter(township__in=townships)
        .select_related("township")
        .order_by("township__code", "pk")
    )
    groups = {g.code: g for g in MemberGroup.objects.all()}
    today = timezone.localdate()
    used: set[str] = set()
    members: list[Member] = []
    memberships: list[tuple[str, str]] = []
    for index in range(count):
        rng = random.Random(index * 7919 + 42)  # per member, so a larger seed extends a smaller one
        female = rng.random() < 0.32
        birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 62))
        id_number = _id_number(birth, index, female)
        while id_number in used:
            birth += datetime.timedelta(days=1)
            id_number = _id_number(birth, index, female)
        used.add(id_number)
        age = today.year - birth.year
        join = birth + datetime.timedelta(days=365 * rng.randint(19, min(40, max(19, age - 1))))
        join = min(join, today - datetime.timedelta(days=30))
        probationary = join > today - datetime.timedelta(days=365)
        branch = branches[index % len(branches)]
        members.append(
            Member(
                name=rng.choice(SURNAMES)
                + rng.choice(GIVEN)
                + (rng.choice(GIVEN) if rng.random() < 0.7 else ""),
                gender=Member.Gender.FEMALE if female else Member.Gender.MALE,
                ethnicity="汉族" if rng.random() < 0.97 else "回族",
                birth_date=birth,
                id_number=id_number,
                phone=f"1{rng.choice('35789')}{rng.randrange(10**9):09d}" if rng.random() < 0.9 else "",
                education=rng.choice(list(Member.Education.values)),
                category=Member.Category.RETIRED
                if age >= 65
                else rng.choice(
                    [
                        Member.Category.FARMER,
                        Member.Category.WORKER,
                        Member.Category.PROFESSIONAL,
                        Member.Category.OTHER,
                    ]
                ),
                join_date=join,
                full_date=None if probationary else join + datetime.timedelta(days=365),
                status=Member.Status.PROBATIONARY if probationary else Member.Status.FULL,
                branch=branch,
            )
        )
        if index < len(branches):
            memberships.append((id_number, "secretary"))
        elif rng.random() < 0.12:
            memberships.append((id_number, "committee"))
        if age <= 35:
            memberships.append((id_number, "young"))
        if age >= 80 and rng.random() < 0.6:
            memberships.append((id_number, "elderly_infirm"))
        if 20 < age < 50 and rng.random() < 0.05:
            memberships.append((id_number, "mobile"))
        if branch.domain == Branch.Domain.RURAL and rng.random() < 0.06:
            memberships.append((id_number, "village_cadre"))
    # Each Member(id_number=…) above is already encrypted and hashed (the property's setter).
    Member.objects.bulk_create(members, ignore_conflicts=True, batch_size=2000)
    hash_of = {m.id_number: m.id_number_hash for m in members}
    pks = {}
    hashes = list(hash_of.values())
    for start in range(0, len(hashes), 5000):
        pks.update(
            Member.objects.filter(id_number_hash__in=hashes[start : start + 5000]).values_list(
                "id_number_hash", "pk"
            )
        )
    through = Member.groups.through
    through.objects.bulk_create(
        [through(member_id=pks[hash_of[idn]], membergroup_id=groups[code].pk) for idn, code in memberships],
        ignore_conflicts=True,
        batch_size=5000,
    )


DUTY_FLAGS = ("is_system_admin", "is_security_admin", "is_security_auditor")


def seed_users(townships: list[Township]) -> dict[str, str]:
    """The fixed demo logins: county, township1, township2, instructor, trainee, and one per duty.

    ``sysadmin``, ``secadmin`` and ``auditor`` hold the separated administrator duties
    (三员分立) and no working role; ``county`` does the training work and has no admin.
    """
    User = get_user_model()
    cast = {
        "county": (Role.COUNTY, None, "县委组织部 管理员"),
        "township1": (Role.TOWNSHIP, townships[0], f"{townships[0].name}党校 管理员"),
        "township2": (Role.TOWNSHIP, townships[1], f"{townships[1].name}党校 管理员"),
        "instructor": (Role.INSTRUCTOR, None, "县委党校 教师"),
        "trainee": (Role.TRAINEE, None, ""),
    }
    duties = {
        "sysadmin": ("is_system_admin", "系统管理员"),
        "secadmin": ("is_security_admin", "安全管理员"),
        "auditor": ("is_security_auditor", "安全审计员"),
    }
    for username, (role, township, label) in cast.items():
        user, _ = User.objects.get_or_create(username=username)
        user.first_name = label
        user.is_staff = user.is_superuser = False
        user.set_password(DEMO_PASSWORD)
        user.save()
        Profile.objects.update_or_create(user=user, defaults={"role": role, "township": township})
    for username, (flag, label) in duties.items():
        user, _ = User.objects.get_or_create(username=username)
        user.first_name = label
        user.set_password(DEMO_PASSWORD)
        user.save()
        Profile.objects.update_or_create(
            user=user,
            defaults={"role": "", "township": None, **dict.fromkeys(DUTY_FLAGS, False), flag: True},
        )
        grant_duty_permissions(User.objects.get(pk=user.pk))
    trainee = User.objects.get(username="trainee")
    if not Member.objects.filter(user=trainee).exists():
        member = (
            Member.objects.filter(branch__township=townships[0], user__isnull=True, is_active=True)
            .exclude(groups__code="elderly_infirm")
            .order_by("pk")
            .first()
        )
        if member is not None:
            member.user = trainee
            member.save(update_fields=["user"])
            trainee.first_name = member.name
            trainee.save(update_fields=["first_name"])
    return {username: DEMO_PASSWORD for username in [*cast, *duties]}


@transaction.atomic
def seed(
    *, members: int, township_count: int = len(TOWNSHIPS), branches_total: int | None = None
) -> dict[str, str]:
    if branches_total is None:
        branches_total = min(420, max(24, members // 15))
    townships = seed_organisation(branches_total=branches_total, township_count=township_count)
    seed_members(count=members, townships=townships[:township_count])
    return seed_users(townships)
