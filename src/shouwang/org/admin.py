from django.contrib import admin

from shouwang.audit.admin import TimelineAdminMixin

from .models import Post, Role, Student, Unit


@admin.register(Unit)
class UnitAdmin(TimelineAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "path", "function", "is_active")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    readonly_fields = ("path", "depth")


@admin.register(Role)
class RoleAdmin(TimelineAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "rank", "school_wide", "required_for")


@admin.register(Post)
class PostAdmin(TimelineAdminMixin, admin.ModelAdmin):
    list_display = ("person", "role", "unit", "since", "until")
    list_filter = ("role",)
    search_fields = ("person__full_name", "person__username", "unit__name")
    raw_id_fields = ("person", "unit")


@admin.register(Student)
class StudentAdmin(TimelineAdminMixin, admin.ModelAdmin):
    list_display = ("student_no", "name", "gender", "klass", "dorm_room", "status")
    search_fields = ("student_no", "name")
    raw_id_fields = ("klass", "dorm_room")
