from __future__ import annotations

from rest_framework import serializers

from courses.models import Session
from trainees.models import Township


class TownshipSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Township
        fields = ["id", "code", "name", "kind", "kind_display", "party_school", "address"]


class SessionSerializer(serializers.ModelSerializer):
    township_name = serializers.CharField(source="township.name", read_only=True, default=None)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    enrolled = serializers.IntegerField(read_only=True)

    class Meta:
        model = Session
        fields = [
            "id",
            "title",
            "kind",
            "kind_display",
            "status",
            "status_display",
            "township",
            "township_name",
            "starts_at",
            "ends_at",
            "venue",
            "hours",
            "capacity",
            "enrolled",
        ]
