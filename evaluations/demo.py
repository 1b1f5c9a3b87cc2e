"""Demo data for the review loop: held sessions with attendance and feedback (where the township
has none yet), practice tasks, quarterly reviews with items in every status, annual reports.

Everything is keyed so that running the seed twice creates nothing new. Sessions and
attendance are written directly (the monthly-cycle services are not used here).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.roles import Role
from courses.models import Attendance, Course, Enrollment, Session, StudyHoursEntry, StudyHoursTarget, Tag
from trainees.models import District, Member, MemberGroup, Profile, Township

from .models import (
    AnnualReport,
    ImprovementItem,
    NeedsSurvey,
    PracticeTask,
    QuarterlyReview,
    SessionFeedback,
    TeachingPlan,
)
from .selectors import held_sessions, township_metrics
from .services import plan_transition, plans_draft_from_survey, survey_answer, survey_question_add

SESSION_TITLES = [
    "学习贯彻党的创新理论",
    "五金机械产业链党建",
    "实木家具产业升级与党员先锋作用",
    "渤海军区教导旅红色传统",
    "“三扛”精神专题党课",
    "基层矛盾纠纷调解实务",
    "乡村振兴与村级集体经济",
    "党章党规党纪学习",
    "新时代文明实践",
    "电商直播助农技能",
    "安全生产与应急处置",
    "年终总结与党性分析",
]
PROBLEMS = [
    (
        "集体备课参与面窄，村党支部书记参加少",
        "每月集体备课邀请支部书记参加，留存签到表",
        "集体备课签到表和记录",
    ),
    ("现场教学点少，培训形式单一", "新增一处企业车间或田间现场教学点", "现场教学照片和教学方案"),
    ("年老体弱党员送学上门不到位", "建立送学上门台账，每月至少一次", "送学上门台账"),
    ("流动党员返乡培训未覆盖", "春节前后集中开展返乡流动党员培训", "培训签到表和照片"),
    ("培训评价回收率低", "培训结束当场扫码评价，汇总满意度", "评价汇总表"),
    ("学时登记不及时", "每月5日前完成上月学时登记", "学时登记截图"),
]
TASKS = {
    PracticeTask.Kind.MEDIATION: "调解邻里宅基地纠纷",
    PracticeTask.Kind.INDUSTRY_HELP: "帮扶家具作坊申请技改贷款",
    PracticeTask.Kind.COMMUNITY_COUNCIL: "组织小区停车问题议事协商",
    PracticeTask.Kind.PIONEER_POST: "亮身份、当先锋：车间安全示范岗",
    PracticeTask.Kind.OTHER: "助农直播带货",
}


def _aware(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour))


def seed_targets() -> None:
    """The national minimums as data: 32 hours for everyone, 56 for branch secretaries and committee."""
    StudyHoursTarget.objects.get_or_create(year=None, group=None, defaults={"hours": Decimal("32")})
    for code in ("secretary", "committee"):
        group = MemberGroup.objects.filter(code=code).first()
        if group is not None:
            StudyHoursTarget.objects.get_or_create(year=None, group=group, defaults={"hours": Decimal("56")})


def seed_sessions(townships: list[Township], today: datetime.date) -> None:
    """A held session in most months of last year and this year, for townships that have none."""
    rng = random.Random(20260301)
    members_by_township: dict[int, list[int]] = {}
    for pk, township_id in Member.objects.active().values_list("pk", "branch__township_id").order_by("pk"):
        members_by_township.setdefault(township_id, []).append(pk)
    for year in (today.year - 1, today.year):
        already = set(held_sessions(year).values_list("township_id", flat=True))
        last_month = 12 if year < today.year else today.month - 1
        for township in townships:
            if township.pk in already:
                continue
            members = members_by_township.get(township.pk, [])
            sessions = []
            for month in range(1, last_month + 1):
                if rng.random() < 0.12:  # some months were missed: the loop shows them
                    continue
                start = _aware(datetime.date(year, month, rng.randint(5, 25)), 9)
                sessions.append(
                    Session(
                        township=township,
                        title=f"{township.name}{month}月月训：{SESSION_TITLES[month - 1]}",
                        venue=f"{township.name}党群服务中心",
                        starts_at=start,
                        ends_at=start + datetime.timedelta(hours=3),
                        hours=Decimal("3.0"),
                        status=Session.Status.CLOSED,
                    )
                )
            Session.objects.bulk_create(sessions)
            enrollments, attendances = [], []
            for session in sessions:
                for member_id in rng.sample(members, min(len(members), 16)):
                    enrollments.append(Enrollment(session=session, member_id=member_id))
                    roll = rng.random()
                    status = (
                        Attendance.Status.PRESENT
                        if roll < 0.78
                        else Attendance.Status.LATE
                        if roll < 0.86
                        else Attendance.Status.EXCUSED
                        if roll < 0.93
                        else Attendance.Status.ABSENT
                    )
                    attendances.append(
                        Attendance(
                            session=session,
                            member_id=member_id,
                            status=status,
                            checked_in_at=session.starts_at if status in ("present", "late") else None,
                        )
                    )
            Enrollment.objects.bulk_create(enrollments, ignore_conflicts=True)
            Attendance.objects.bulk_create(attendances, ignore_conflicts=True)


def seed_study_hours(today: datetime.date, county) -> None:
    """Online study and branch-meeting hours so that most members reach their yearly target."""
    if StudyHoursEntry.objects.exists():
        return
    rng = random.Random(20260304)
    rows = []
    for member_id in Member.objects.active().values_list("pk", flat=True).order_by("pk"):
        for year in (today.year - 1, today.year):
            for source in (StudyHoursEntry.Source.ONLINE, StudyHoursEntry.Source.BRANCH_MEETING):
                rows.append(
                    StudyHoursEntry(
                        member_id=member_id,
                        date=datetime.date(
                            year, rng.randint(1, today.month if year == today.year else 12), 15
                        ),
                        hours=Decimal(rng.randint(6, 26)),
                        source=source,
                        recorded_by=county,
                    )
                )
    StudyHoursEntry.objects.bulk_create(rows, batch_size=5000)


def seed_feedback() -> None:
    """About half of those who attended a held session rated it."""
    if SessionFeedback.objects.exists():
        return
    rng = random.Random(20260302)
    attended = Attendance.objects.filter(
        status__in=(Attendance.Status.PRESENT, Attendance.Status.LATE),
        session__status__in=(Session.Status.HELD, Session.Status.CLOSED),
    ).values_list("session_id", "member_id")
    rows = []
    for session_id, member_id in attended:
        if rng.random() < 0.5:
            base = rng.choice([5, 5, 5, 4, 4, 4, 3])
            rows.append(
                SessionFeedback(
                    session_id=session_id,
                    member_id=member_id,
                    content=base,
                    instructor=max(1, min(5, base + rng.choice([-1, 0, 0, 1]))),
                    usefulness=max(1, min(5, base + rng.choice([-1, 0, 0]))),
                    comment=rng.choice(
                        ["", "", "希望多安排现场教学", "案例贴近实际，很实用", "时间可以再紧凑些"]
                    ),
                )
            )
    SessionFeedback.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)


def seed_practice(townships: list[Township], today: datetime.date, county) -> None:
    """A handful of practice tasks per township, most with verified outcomes."""
    if PracticeTask.objects.exists():
        return
    rng = random.Random(20260303)
    kinds = list(TASKS)
    for township in townships:
        members = list(Member.objects.active().filter(branch__township=township).order_by("pk")[:40])
        for i, member in enumerate(rng.sample(members, min(len(members), 10))):
            kind = kinds[i % len(kinds)]
            due = today - datetime.timedelta(days=rng.randint(-40, 400))
            task = PracticeTask.objects.create(member=member, kind=kind, title=TASKS[kind], due_date=due)
            if due > today:
                continue
            task.satisfaction_pct = Decimal(rng.randint(80, 100))
            task.problem_solved = rng.random() < 0.8
            task.outcome = "按期完成，群众认可"
            task.transition(PracticeTask.Status.REPORTED, by=county)
            if rng.random() < 0.85:
                task.transition(PracticeTask.Status.VERIFIED, by=county)


def _past_quarters(today: datetime.date, count: int) -> list[tuple[int, int]]:
    year, quarter = today.year, (today.month - 1) // 3 + 1
    result = []
    for _ in range(count):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        result.append((year, quarter))
    return result


def seed_reviews(today: datetime.date, county) -> None:
    """One review per district for each of the last six quarters, with items in every status."""
    admins = {
        p.township_id: p.user for p in Profile.objects.filter(role=Role.TOWNSHIP).select_related("user")
    }
    statuses = ["verified", "verified", "rectified", "returned", "in_progress", "open"]
    for district in District.objects.prefetch_related("townships"):
        townships = list(district.townships.order_by("code"))
        if not townships:
            continue
        for age, (year, quarter) in enumerate(_past_quarters(today, 6)):
            held_on = datetime.date(year, quarter * 3 - 1, 18)
            review, created = QuarterlyReview.objects.get_or_create(
                district=district,
                year=year,
                quarter=quarter,
                defaults={
                    "held_on": held_on,
                    "venue": "县委党校第一会议室",
                    "agenda": "一、各乡镇党校汇报本季度月训开展情况；二、交流经验做法；三、查找问题、形成改进清单。",
                    "minutes": f"{district.name}各乡镇党校按月开展培训，总体进展顺利。",
                    "difficulties": "部分乡镇集体备课流于形式；现场教学点不足；评价回收率偏低。",
                    "created_by": county,
                },
            )
            if not created:
                continue
            review.townships.set(townships)
            for i, township in enumerate(townships + [None]):
                problem, measure, evidence = PROBLEMS[(i + age) % len(PROBLEMS)]
                # Older reviews are mostly closed; the last quarter's items are still being worked on.
                status = statuses[(i + age * 2) % len(statuses)] if age else statuses[2 + i % 4]
                item = ImprovementItem.objects.create(
                    review=review,
                    township=township,
                    problem=problem if township else "县级精品课程下沉不足",
                    measure=measure,
                    owner=f"{township.name}党校校长" if township else "县委组织部组织科",
                    due_date=held_on + datetime.timedelta(days=60),
                    evidence_required=evidence,
                    created_by=county,
                )
                owner = admins.get(township.pk, county) if township else county
                _walk_item(item, status, owner, county)


def _walk_item(item: ImprovementItem, status: str, owner, county) -> None:
    path = {
        "open": [],
        "in_progress": ["in_progress"],
        "rectified": ["in_progress", "rectified"],
        "returned": ["in_progress", "rectified", "returned"],
        "verified": ["in_progress", "rectified", "verified"],
    }[status]
    for step in path:
        by = county if step in ImprovementItem.COUNTY_MOVES else owner
        if step == "rectified":
            item.evidence.create(text="已按要求完成整改，相关材料已存档。", submitted_by=by)
        item.transition(step, by=by, note="佐证材料不完整，请补充照片" if step == "returned" else "")
    if item.rectified_at is not None and item.pk % 4:
        # Most demo evidence came in before the deadline (the seed runs long after it).
        on_time = _aware(item.due_date - datetime.timedelta(days=item.pk % 20), 10)
        ImprovementItem.objects.filter(pk=item.pk).update(rectified_at=on_time)


NARRATIVE = {
    "capability_gains": "全年围绕“一月一训”开展主题培训，党员政治理论水平和服务群众本领明显提升，"
    "一批党员在矛盾调解、产业帮扶中发挥了先锋作用。",
    "problems_solved": "针对季度研讨发现的问题，建立集体备课台账，新增现场教学点，推动解决群众急难愁盼问题。",
    "next_year_plan": "进一步精准对接培训需求，扩大现场教学比重，提高培训评价回收率。",
}


def seed_reports(townships: list[Township], today: datetime.date, county) -> None:
    """Last year's reports approved (metrics frozen), this year's as drafts."""
    last_year = today.year - 1
    metrics = township_metrics([t.pk for t in townships], last_year)
    for township in townships:
        report, created = AnnualReport.objects.get_or_create(
            township=township, year=last_year, defaults={"created_by": county, **NARRATIVE}
        )
        if created:
            report.metrics = metrics[township.pk]
            report.transition(AnnualReport.Status.SUBMITTED, by=county, note="演示数据")
            report.transition(AnnualReport.Status.APPROVED, by=county)
        AnnualReport.objects.get_or_create(
            township=township,
            year=today.year,
            defaults={"created_by": county, "capability_gains": NARRATIVE["capability_gains"]},
        )


# (tag, keywords that put an existing course under it, a course to add when none matches)
NEED_TAGS = [
    ("电子商务", ["电商", "直播"], "农村电商与直播带货实务"),
    ("矛盾调解", ["调解", "纠纷"], "基层矛盾纠纷调解实务"),
    ("产业发展", ["五金", "家具", "产业"], "“一金一木”产业链党建"),
    ("党史学习", ["党史", "红色", "教导旅"], "渤海军区教导旅与“三扛”精神"),
    ("理论学习", ["理论", "创新理论"], "学习贯彻党的创新理论"),
    ("乡村治理", ["乡村", "治理", "议事"], "村级议事协商与乡村治理"),
]
SURVEY_QUESTIONS = [
    ("您最希望加强哪方面的学习？", "single", [0, 1, 2, 3, 4, 5]),
    ("您在工作中最需要哪些本领？（可多选）", "multiple", [0, 1, 2, 5]),
    ("您对去年月训的总体满意度", "rating", []),
    ("您对培训还有什么建议？", "text", []),
]


def seed_need_tags(county) -> list[Tag]:
    """Topic tags, attached to catalog courses whose titles match; a course per tag when none does."""
    tags = []
    for name, keywords, fallback in NEED_TAGS:
        tag, _created = Tag.objects.get_or_create(name=name)
        tags.append(tag)
        matched = Course.objects.none()
        for keyword in keywords:
            matched = matched | Course.objects.filter(title__contains=keyword)
        matched = list(matched.exclude(stage__in=Course.DEVELOPMENT_STAGES).distinct())
        if not matched:
            course, _created = Course.objects.get_or_create(
                title=fallback,
                defaults={"category": Course.Category.PRACTICAL_SKILLS, "created_by": county},
            )
            matched = [course]
        for course in matched:
            course.tags.add(tag)
    return tags


def _demo_survey(title: str, tags: list[Tag], county):
    survey, created = NeedsSurvey.objects.get_or_create(
        title=title, defaults={"created_by": county, "intro": "“缺什么补什么、干什么练什么”，请如实填写。"}
    )
    if created:
        for text, kind, tag_indexes in SURVEY_QUESTIONS:
            options = [(tags[i].name, [tags[i]]) for i in tag_indexes]
            survey_question_add(survey=survey, text=text, kind=kind, required=kind != "text", options=options)
    return survey, created


def _answer_randomly(survey, members, rng) -> None:
    questions = list(survey.questions.prefetch_related("options"))
    for member in members:
        answers = {}
        for q in questions:
            options = list(q.options.all())
            # Rural members lean to e-commerce and mediation, enterprises to industry: the plans differ.
            bias = 0 if member.branch.domain == "rural" else 2
            if q.kind == "single":
                answers[q] = options[min(len(options) - 1, int(rng.triangular(0, len(options), bias)))].pk
            elif q.kind == "multiple":
                answers[q] = [o.pk for o in rng.sample(options, rng.randint(1, 2))]
            elif q.kind == "rating":
                answers[q] = rng.choice([5, 5, 4, 4, 4, 3])
            elif rng.random() < 0.2:
                answers[q] = rng.choice(
                    ["希望多到企业车间现场教学", "课程时间安排在农闲时节", "多讲身边案例"]
                )
        survey_answer(survey=survey, member=member, answers=answers)


def seed_surveys(today: datetime.date, county) -> None:
    """Last spring's closed survey with a few hundred answers and an approved plan; an open one."""
    rng = random.Random(20260305)
    tags = seed_need_tags(county)
    trainee_member_id = Member.objects.filter(user__username="trainee").values_list("pk", flat=True).first()
    members = list(
        Member.objects.active().select_related("branch").exclude(pk=trainee_member_id).order_by("pk")
    )
    closed, created = _demo_survey(f"{today.year}年度党员培训需求问卷", tags, county)
    if created:
        closed.transition(NeedsSurvey.Status.OPEN, by=county)
        _answer_randomly(closed, rng.sample(members, min(len(members), 360)), rng)
        closed.transition(NeedsSurvey.Status.CLOSED, by=county)
        plans = [p for p in plans_draft_from_survey(survey=closed, by=county) if p.items.exists()]
        plans.sort(key=lambda p: -sum(need["votes"] for need in p.top_needs))
        for plan in plans[:3]:
            plan_transition(plan=plan, to=TeachingPlan.Status.APPROVED, by=county)
    opened, created = _demo_survey(f"{today.year + 1}年度培训需求征集", tags, county)
    if created:
        opened.transition(NeedsSurvey.Status.OPEN, by=county)
        _answer_randomly(opened, rng.sample(members, min(len(members), 120)), rng)


def seed_trainee_session(county) -> None:
    """The demo trainee checked in to their township's latest held session and has not rated it yet."""
    member = Member.objects.filter(user__username="trainee").select_related("branch").first()
    if member is None:
        return
    session = (
        Session.objects.filter(
            township_id=member.branch.township_id, status__in=(Session.Status.HELD, Session.Status.CLOSED)
        )
        .order_by("-starts_at")
        .first()
    )
    if session is None:
        return
    Enrollment.objects.get_or_create(session=session, member=member)
    Attendance.objects.update_or_create(
        session=session,
        member=member,
        defaults={
            "status": Attendance.Status.PRESENT,
            "checked_in_at": session.starts_at,
            "marked_by": county,
        },
    )
    SessionFeedback.objects.filter(session=session, member=member).delete()


@transaction.atomic
def seed() -> None:
    today = timezone.localdate()
    county = get_user_model().objects.filter(portal_profile__role=Role.COUNTY).order_by("pk").first()
    if county is None:
        return
    townships = list(Township.objects.order_by("code"))
    seed_targets()
    seed_sessions(townships, today)
    seed_study_hours(today, county)
    seed_feedback()
    seed_practice(townships, today, county)
    seed_reviews(today, county)
    seed_reports(townships, today, county)
    seed_surveys(today, county)
    seed_trainee_session(county)
