"""Demo catalog for seed_demo: themes, courses through the pipeline, instructors, bases, routes, requests.

Course titles follow the county's published themes; every person, base
address and request is invented. Keyed by names, so running twice adds nothing.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from trainees.models import Department, Township

from . import services
from .models import (
    Course,
    CourseRequest,
    Instructor,
    RouteStop,
    Session,
    Tag,
    TeachingBase,
    TeachingRoute,
    Theme,
)

THEME_TITLES = [
    "新春第一课：学习贯彻全会精神",
    "党章党规党纪学习",
    "学雷锋 树新风",
    "清明追思 赓续红色血脉",
    "产业工人与“一金一木”发展",
    "党员先锋岗与乡村振兴",
    "庆祝建党 重温入党誓词",
    "“三扛”精神与担当作为",
    "基层治理与矛盾纠纷化解",
    "形势政策教育",
    "实用技术与致富本领",
    "年终述学 总结提升",
]

C = Course.Category
F = Course.Format
# (title, category, format, hours, tags)
COURSES = [
    ("习近平新时代中国特色社会主义思想概论", C.THEORY, F.CLASSROOM, "3", ["理论武装"]),
    ("党的二十届三中全会精神解读", C.THEORY, F.CLASSROOM, "3", ["理论武装", "形势政策"]),
    ("新质生产力与县域经济", C.THEORY, F.CLASSROOM, "2", ["形势政策", "产业发展"]),
    ("党章党规党纪专题", C.THEORY, F.CLASSROOM, "2", ["纪律教育"]),
    ("《中国共产党纪律处分条例》案例讲析", C.THEORY, F.VIDEO, "2", ["纪律教育"]),
    ("乡村振兴战略与宁津实践", C.THEORY, F.CLASSROOM, "2", ["乡村振兴"]),
    ("中国式现代化的县域路径", C.THEORY, F.CLASSROOM, "2", ["形势政策"]),
    ("五金机械产业链党建", C.INDUSTRY_HARDWARE, F.BASE, "3", ["产业发展", "非公党建"]),
    ("电梯配件企业质量管理与党员示范岗", C.INDUSTRY_HARDWARE, F.BASE, "2", ["产业发展"]),
    ("健身器材产业发展与工匠精神", C.INDUSTRY_HARDWARE, F.BASE, "2", ["产业发展"]),
    ("弹簧制造工艺与安全生产", C.INDUSTRY_HARDWARE, F.CLASSROOM, "2", ["安全生产"]),
    ("五金企业数字化转型案例", C.INDUSTRY_HARDWARE, F.VIDEO, "1.5", ["产业发展"]),
    ("“中国桌椅之乡”实木家具产业振兴", C.INDUSTRY_FURNITURE, F.BASE, "3", ["产业发展"]),
    ("家具企业党组织助力电商销售", C.INDUSTRY_FURNITURE, F.CLASSROOM, "2", ["产业发展", "电商"]),
    ("实木家具工艺与非遗传承", C.INDUSTRY_FURNITURE, F.BASE, "2", ["产业发展"]),
    ("家具产业园安全生产与环保", C.INDUSTRY_FURNITURE, F.BASE, "2", ["安全生产"]),
    ("渤海军区教导旅的红色记忆", C.RED_RESOURCES, F.BASE, "3", ["红色教育"]),
    ("敢扛、硬扛、能扛：“三扛”精神宣讲", C.RED_RESOURCES, F.CLASSROOM, "2", ["红色教育"]),
    ("宁津革命英烈故事", C.RED_RESOURCES, F.ROUTE, "4", ["红色教育"]),
    ("重温入党誓词 现场教学", C.RED_RESOURCES, F.BASE, "2", ["红色教育"]),
    ("红色家书诵读与党史学习", C.RED_RESOURCES, F.VIDEO, "1.5", ["红色教育"]),
    ("党员党性修养与作风建设", C.PARTY_SPIRIT, F.CLASSROOM, "2", ["作风建设"]),
    ("身边的好党员：先进典型事迹", C.PARTY_SPIRIT, F.CLASSROOM, "2", ["先进典型"]),
    ("“亮身份、当先锋”岗位实践", C.PARTY_SPIRIT, F.CLASSROOM, "2", ["先锋作用"]),
    ("家风家教与廉洁文化", C.PARTY_SPIRIT, F.CLASSROOM, "2", ["纪律教育"]),
    ("新时代文明实践志愿服务", C.PARTY_SPIRIT, F.CLASSROOM, "1.5", ["基层治理"]),
    ("农村电商直播实操", C.PRACTICAL_SKILLS, F.CLASSROOM, "3", ["电商", "乡村振兴"]),
    ("设施蔬菜种植技术", C.PRACTICAL_SKILLS, F.BASE, "3", ["农业技术"]),
    ("小麦玉米绿色高产技术", C.PRACTICAL_SKILLS, F.BASE, "2", ["农业技术"]),
    ("矛盾纠纷调解实务", C.PRACTICAL_SKILLS, F.CLASSROOM, "2", ["基层治理"]),
    ("村级财务与集体经济管理", C.PRACTICAL_SKILLS, F.CLASSROOM, "2", ["基层治理"]),
    ("支部书记“三会一课”规范化", C.PRACTICAL_SKILLS, F.CLASSROOM, "2", ["组织生活"]),
    ("手机里的党建：灯塔在线学习", C.PRACTICAL_SKILLS, F.VIDEO, "1", ["组织生活"]),
    ("社区议事会实践", C.PRACTICE_MODULE, F.BASE, "2", ["基层治理"]),
    ("产业帮扶实践：走进企业车间", C.PRACTICE_MODULE, F.BASE, "3", ["产业发展"]),
    ("田间课堂：党员示范田", C.PRACTICE_MODULE, F.BASE, "3", ["农业技术"]),
    ("流动党员返乡集中学习", C.PRACTICE_MODULE, F.CLASSROOM, "2", ["组织生活"]),
    ("“课堂+基地”红色教学线路", C.PRACTICE_MODULE, F.ROUTE, "4", ["红色教育"]),
    ("五金产业园现场教学线路", C.PRACTICE_MODULE, F.ROUTE, "4", ["产业发展"]),
    ("家具产业园现场教学线路", C.PRACTICE_MODULE, F.ROUTE, "4", ["产业发展"]),
]

# How far through the pipeline each course index goes (the rest stay standard).
PREMIUM_INDEXES = [0, 1, 3, 7, 8, 12, 13, 16, 17, 18, 21, 22, 26, 27, 29, 33, 34, 37]  # 18, as reported
IN_PIPELINE = {
    2: "proposed",
    5: "selected",
    9: "discussion",
    14: "preparation",
    19: "trial",
    23: "returned",
    30: "rejected",
}
PIPELINE = ["proposed", "selected", "discussion", "preparation", "trial", "premium"]

SURNAMES = "王李张刘陈杨赵孙周吴徐马朱胡郭高林何罗宋郑梁谢韩唐"
GIVEN = "建国华明军伟芳秀英丽强磊洋勇艳杰娟涛超霞平刚兰红玉海波东亮云鹏"

# (name, kind, township index, address)
BASES = [
    ("渤海军区教导旅旧址纪念馆", TeachingBase.Kind.RED_SITE, 2),
    ("宁津县革命烈士陵园", TeachingBase.Kind.RED_SITE, 0),
    ("宁津县党性教育馆", TeachingBase.Kind.RED_SITE, 1),
    ("五金机械产业园党群服务中心", TeachingBase.Kind.ENTERPRISE_WORKSHOP, 4),
    ("电梯产业园示范车间", TeachingBase.Kind.ENTERPRISE_WORKSHOP, 1),
    ("健身器材产业园展厅", TeachingBase.Kind.ENTERPRISE_WORKSHOP, 3),
    ("实木家具产业园工坊", TeachingBase.Kind.ENTERPRISE_WORKSHOP, 5),
    ("保店镇金硕农业生态园", TeachingBase.Kind.FIELD, 5),
    ("党员示范田（大柳镇）", TeachingBase.Kind.FIELD, 6),
    ("设施蔬菜种植基地（时集镇）", TeachingBase.Kind.FIELD, 9),
    ("津城街道新时代文明实践站", TeachingBase.Kind.COMMUNITY, 1),
    ("宁城街道社区议事厅", TeachingBase.Kind.COMMUNITY, 0),
]

# (name, theme, premium, [(base index, hours, note)])
ROUTES = [
    (
        "红色记忆教学路线",
        "传承红色基因",
        True,
        [(0, "1.5", "旧址参观与专题讲解"), (1, "1", "祭扫与重温入党誓词"), (2, "1.5", "党性教育馆体验")],
    ),
    (
        "“一金”产业振兴路线",
        "五金机械产业党建",
        True,
        [(3, "1.5", "产业链党建介绍"), (4, "1", "示范车间观摩"), (5, "1", "展厅讲解")],
    ),
    (
        "“一木”桌椅之乡路线",
        "实木家具产业发展",
        True,
        [(6, "2", "工坊体验与非遗讲解"), (10, "1", "文明实践站交流")],
    ),
    (
        "乡村振兴田间路线",
        "党员示范与农业技术",
        True,
        [(7, "1.5", "生态园现场教学"), (8, "1", "示范田观摩"), (9, "1.5", "设施蔬菜技术")],
    ),
    (
        "基层治理实践路线",
        "议事协商与矛盾化解",
        True,
        [(11, "1.5", "社区议事会观摩"), (10, "1.5", "志愿服务实践")],
    ),
]


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def seed_themes(courses: list[Course]) -> None:
    this_year = timezone.localdate().year
    for year in (this_year - 1, this_year):
        for month, title in enumerate(THEME_TITLES, start=1):
            theme, created = Theme.objects.get_or_create(
                year=year,
                month=month,
                defaults={"title": title, "description": f"{year}年{month}月全县月训主题：{title}。"},
            )
            if created:
                theme.recommended_courses.set(courses[(month * 3) % len(courses) :][:3] or courses[:3])


def seed_courses(county_user) -> list[Course]:
    departments = list(Department.objects.order_by("name"))
    courses = []
    for index, (title, category, fmt, hours, tags) in enumerate(COURSES):
        course, created = Course.objects.get_or_create(
            title=title,
            defaults={
                "summary": f"{title}。围绕宁津县“月训工程”，结合本地案例讲授。",
                "category": category,
                "format": fmt,
                "hours": Decimal(hours),
                "owner_department": departments[index % len(departments)] if departments else None,
                "created_by": county_user,
            },
        )
        courses.append(course)
        if created:
            course.tags.set([Tag.objects.get_or_create(name=name)[0] for name in tags])
            _walk_pipeline(course, index, county_user)
    return courses


def _walk_pipeline(course: Course, index: int, user) -> None:
    if index in PREMIUM_INDEXES:
        target = "premium"
    elif index in IN_PIPELINE:
        target = IN_PIPELINE[index]
    else:
        return
    day = timezone.localdate() - datetime.timedelta(days=40 * len(PIPELINE))
    steps = (
        PIPELINE if target in ("premium", "rejected", "returned") else PIPELINE[: PIPELINE.index(target) + 1]
    )
    if target in ("returned", "rejected"):
        steps = PIPELINE[:4]
    for stage in steps:
        if target in ("returned", "rejected") and stage == steps[-1]:
            break
        day += datetime.timedelta(days=30)
        record = course.transition(stage, by=user, note=f"{course.get_stage_display()}后进入下一阶段")
        record.date = day
        record.participants = "县委党校教师、组织部党员教育科、乡镇党校负责人"
        record.save(update_fields=["date", "participants"])
    if target in ("returned", "rejected"):
        course.transition(
            target,
            by=user,
            note="案例不够贴近基层，需补充本地素材" if target == "returned" else "与已有精品课程重复",
        )


def seed_instructors(courses: list[Course], townships: list[Township]) -> list[Instructor]:
    rng = random.Random(2026)
    departments = list(Department.objects.order_by("name"))
    party_school = Department.objects.filter(name="县委党校").first()
    User = get_user_model()
    instructors = []
    kinds = (
        [Instructor.Kind.SCHOOL_TEACHER] * 10
        + [Instructor.Kind.STAR_SECRETARY] * 8
        + [Instructor.Kind.CADRE] * 7
        + [Instructor.Kind.EXPERT] * 5
    )
    for index, kind in enumerate(kinds):
        name = (
            SURNAMES[index % len(SURNAMES)]
            + GIVEN[(index * 7) % len(GIVEN)]
            + GIVEN[(index * 3 + 1) % len(GIVEN)]
        )
        township = townships[index % len(townships)] if kind == Instructor.Kind.STAR_SECRETARY else None
        instructor, created = Instructor.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "department": party_school
                if kind == Instructor.Kind.SCHOOL_TEACHER
                else rng.choice(departments)
                if kind == Instructor.Kind.CADRE
                else None,
                "township": township,
                "bio": f"{Instructor.Kind(kind).label}，长期从事党员教育培训工作。",
                # 5 star instructors from star branch secretaries, as the county reports.
                "is_star": kind == Instructor.Kind.STAR_SECRETARY and index < 15,
            },
        )
        if created:
            instructor.courses.set(rng.sample(courses, 3))
        instructors.append(instructor)
    user = User.objects.filter(username="instructor").first()
    if user is not None and not Instructor.objects.filter(user=user).exists():
        instructors[0].user = user
        instructors[0].save(update_fields=["user"])
    return instructors


def seed_bases_and_routes(townships: list[Township]) -> None:
    bases = []
    for name, kind, township_index in BASES:
        township = townships[township_index % len(townships)]
        base, _ = TeachingBase.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "township": township,
                "address": f"宁津县{township.name}",
                "description": f"{name}，可开展现场教学。",
            },
        )
        bases.append(base)
    for name, theme, premium, stops in ROUTES:
        route, created = TeachingRoute.objects.get_or_create(
            name=name,
            defaults={"theme": theme, "is_premium": premium, "description": f"{theme}现场教学路线。"},
        )
        if created:
            RouteStop.objects.bulk_create(
                RouteStop(route=route, base=bases[b], order=i, duration_hours=Decimal(h), note=note)
                for i, (b, h, note) in enumerate(stops, start=1)
            )


def seed_requests(courses: list[Course], instructors: list[Instructor], townships: list[Township]) -> None:
    """One request per status (and a few more), walked through the real services."""
    User = get_user_model()
    county = User.objects.get(username="county")
    admins = {}
    for username in ("township1", "township2"):
        user = User.objects.filter(username=username).select_related("portal_profile").first()
        if user is not None:
            admins[user.portal_profile.township_id] = user
    instructor_user_of = {i.pk: i.user for i in instructors if i.user_id}
    departments = list(Department.objects.order_by("name"))
    today = timezone.localdate()
    offered = [c for c in courses if c.stage in (Course.Stage.STANDARD, Course.Stage.PREMIUM)]
    plan = [
        "ordered",
        "dispatched",
        "accepted",
        "declined",
        "scheduled",
        "delivered",
        "closed",
        "cancelled",
        "dispatched",
        "closed",
        "closed",
        "delivered",
        "ordered",
        "scheduled",
    ]
    for index, final in enumerate(plan):
        township = townships[index % len(townships)]
        course = offered[(index * 5) % len(offered)]
        month = _month_start(today - datetime.timedelta(days=30 * (3 - index % 6)))
        if CourseRequest.objects.filter(township=township, course=course, preferred_month=month).exists():
            continue
        admin = admins.get(township.pk, county)
        instructor = instructors[0] if index % 3 == 1 else instructors[(index * 7) % len(instructors)]
        acting_instructor = instructor_user_of.get(instructor.pk, county)
        req = services.course_request_create(
            township=township,
            course=course,
            preferred_month=month,
            audience="全体党员",
            expected_size=30 + index * 5,
            by=admin,
            branch=township.branches.order_by("pk").first() if index % 2 else None,
        )
        if final == "ordered":
            continue
        if final == "cancelled":
            services.course_request_cancel(request=req, by=admin, note="时间冲突，改期再点")
            continue
        services.course_request_dispatch(
            request=req, department=departments[index % len(departments)], instructor=instructor, by=county
        )
        if final == "dispatched":
            continue
        if final == "declined":
            services.course_request_decline(request=req, by=acting_instructor, reason="当月已有授课安排")
            continue
        services.course_request_accept(request=req, by=acting_instructor)
        if final == "accepted":
            continue
        past = final in ("delivered", "closed")
        day = (
            today - datetime.timedelta(days=10 + index)
            if past
            else today + datetime.timedelta(days=7 + index)
        )
        starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
        services.course_request_schedule(
            request=req,
            by=admin,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            hours=course.hours,
            venue=f"{township.name}党群服务中心",
        )
        if final == "scheduled":
            continue
        services.course_request_deliver(request=req, by=admin)
        if final == "closed":
            services.course_request_close(request=req, by=county, note="群众满意，已办结")


def seed_lecture_sharing(instructors: list[Instructor]) -> None:
    county = get_user_model().objects.get(username="county")
    today = timezone.localdate()
    for offset in (45, 120):
        title = f"说课交流（{(today - datetime.timedelta(days=offset)):%Y年%m月}）"
        if Session.objects.filter(title=title).exists():
            continue
        starts = timezone.make_aware(
            datetime.datetime.combine(today - datetime.timedelta(days=offset), datetime.time(14, 30))
        )
        session = Session.objects.create(
            title=title,
            kind=Session.Kind.LECTURE_SHARING,
            venue="县委党校报告厅",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            hours=Decimal("2"),
            created_by=county,
        )
        session.instructors.set(instructors[:4])
        session.transition(Session.Status.PUBLISHED, by=county)
        session.transition(Session.Status.HELD, by=county)


@transaction.atomic
def seed() -> None:
    """Build the demo catalog on top of trainees' demo (idempotent)."""
    User = get_user_model()
    county = User.objects.get(username="county")
    townships = list(Township.objects.order_by("code"))
    courses = seed_courses(county)
    seed_themes(courses)
    instructors = seed_instructors(courses, townships)
    seed_bases_and_routes(townships)
    seed_requests(courses, instructors, townships)
    seed_lecture_sharing(instructors)
