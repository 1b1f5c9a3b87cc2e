"""``filter_field``: filter and small action forms' fields in Bootstrap markup, escaped."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from courses.cycle.forms import SessionForm
from ningjin_training.templatetags.portal_forms import filter_field
from trainees.models import Member, MemberGroup


class SampleForm(forms.Form):
    reason = forms.CharField(label="取消原因", help_text="如 <b>暴雨</b>")
    kind = forms.ChoiceField(label="类型", required=False, choices=[("a", "甲"), ("b", "乙")])
    mode = forms.ChoiceField(label="方式", choices=[("x", "现场")], widget=forms.RadioSelect)


def test_a_required_field_is_marked_and_its_help_text_is_escaped_and_described():
    html = filter_field(SampleForm()["reason"])
    assert '<label class="form-label" for="id_reason">取消原因<span class="asteriskField"' in html
    assert 'aria-describedby="id_reason_helptext"' in html
    assert "如 &lt;b&gt;暴雨&lt;/b&gt;" in html and "<b>" not in html
    assert 'class="form-control"' in html and "required" in html


def test_an_error_is_tied_to_its_field():
    form = SampleForm(data={"reason": "", "mode": "x"})
    form.is_valid()
    html = filter_field(form["reason"])
    assert 'aria-invalid="true"' in html and "is-invalid" in html
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in html
    assert '<div id="id_reason_error" class="invalid-feedback d-block">' in html


def test_an_optional_select_has_no_marker_and_radio_buttons_are_left_to_crispy():
    select = filter_field(SampleForm()["kind"])
    assert 'class="form-select"' in select and "asteriskField" not in select
    radios = filter_field(SampleForm()["mode"])
    assert 'type="radio"' in radios and "form-check-input" in radios
    assert 'for=""' not in radios


def test_a_chosen_filter_option_stays_selected_and_labels_are_escaped():
    form = SampleForm(data={"kind": "b"})
    form.fields["kind"].choices = [("a", "<i>甲</i>"), ("b", "乙")]
    html = filter_field(form["kind"])
    assert '<option value="b" selected>乙</option>' in html
    assert '<option value="a">&lt;i&gt;甲&lt;/i&gt;</option>' in html
    assert 'class="form-select"' in html and 'name="kind"' in html and 'id="id_kind"' in html


def test_a_grouped_select_keeps_its_option_groups():
    form = SampleForm()
    form.fields["kind"].choices = [("甲镇", [("a", "甲村党支部")]), ("乙镇", [("b", "乙村党支部")])]
    html = filter_field(form["kind"])
    assert '<optgroup label="甲镇">' in html and '<optgroup label="乙镇">' in html
    assert html.index('label="乙镇"') < html.index('value="b"')


@pytest.mark.django_db
@pytest.mark.parametrize("choice", ["10000000000000000000", "-10000000000000000000"])
def test_an_id_no_key_column_can_hold_is_not_a_valid_choice_in_any_form(choice):
    """The session form's audience groups as much as the member form's groups."""
    group = MemberGroup.objects.create(code="mobile", name="流动党员")
    field = SessionForm.base_fields["audience_groups"]
    assert list(field.clean([str(group.pk)])) == [group]
    with pytest.raises(ValidationError) as refused:
        field.clean([str(group.pk), choice])
    assert refused.value.code == "invalid_choice"


class GroupFilterForm(forms.Form):
    group = forms.ModelChoiceField(label="群体", queryset=MemberGroup.objects.order_by("pk"), required=False)
    status = forms.ChoiceField(label="状态", choices=Member.Status.choices, required=False)


@pytest.mark.django_db
def test_a_kept_select_shows_a_renamed_choice_and_the_current_language():
    """Selects are kept by their whole template context: a renamed option or another language
    is another entry, never the HTML drawn before."""
    group = MemberGroup.objects.create(code="mobile", name="流动党员")
    assert ">流动党员</option>" in filter_field(GroupFilterForm()["group"])
    group.name = "退休党员"
    group.save()
    html = filter_field(GroupFilterForm()["group"])
    assert ">退休党员</option>" in html and "流动党员" not in html
    assert ">预备党员</option>" in filter_field(GroupFilterForm()["status"])
    with translation.override("en"):
        english = filter_field(GroupFilterForm()["status"])
    assert "预备党员" not in english and 'value="probationary"' in english
