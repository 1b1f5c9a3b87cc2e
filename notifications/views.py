from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.roles import Role, role_required

from .filters import ReminderFilter
from .forms import PreferenceForm
from .models import Notification, NotificationPreference, Reminder, SmsMessage
from .services import notification_mark_read
from .sms.outbox import flagged_phones

PAGE_SIZE = 20


def inbox(request):
    notifications = Notification.objects.visible_to(request.user)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@require_POST
def mark_read(request, pk):
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    notification_mark_read(user=request.user, notification_id=notification.pk)
    link = notification.link
    if request.POST.get("open") and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notifications:inbox")


@require_POST
def mark_all_read(request):
    count = notification_mark_read(user=request.user)
    messages.success(request, _("已将 %(count)d 条消息标为已读。") % {"count": count})
    return redirect("notifications:inbox")


def preferences(request):
    preference = NotificationPreference.objects.filter(user=request.user).first()
    form = PreferenceForm(
        request.POST or None, instance=preference or NotificationPreference(user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("消息接收设置已保存。"))
        return redirect("notifications:preferences")
    # The number the user chose for texts, if a gateway refused it for good.
    sms_flag = None
    if preference is not None and preference.by_sms and preference.phone:
        sms_flag = flagged_phones([preference.phone]).get(preference.phone)
    return render(request, "notifications/preferences.html", {"form": form, "sms_flag": sms_flag})


@role_required(Role.COUNTY)
def reminder_list(request):
    texts = SmsMessage.objects.only("pk", "reminder_id", "status", "error_code").order_by("-pk")
    reminders = Reminder.objects.select_related("recipient", "content_type").prefetch_related(
        Prefetch("sms_messages", queryset=texts, to_attr="texts")
    )
    reminder_filter = ReminderFilter(request.GET, queryset=reminders)
    page = Paginator(reminder_filter.qs, PAGE_SIZE * 2).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/reminder_list.html",
        {"filter": reminder_filter, "page": page, "query": query.urlencode()},
    )
