"""Identity keeps no tables of its own: a staff phone is trainees.Profile.phone, a member's the roster's."""
