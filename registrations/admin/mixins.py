"""What every admin of people's rows shares: history entries by id, and refused actions answered 403."""

from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.core.exceptions import PermissionDenied

from registrations.privacy import audit


class HistoryByIdMixin:
    """The admin's own history entries (add, change, delete) name the row by id, as
    registrations.privacy.audit's do, never by its str, which holds a name and an address."""

    def log_addition(self, request, obj, message):
        return audit.log_changes(user=request.user, objects=[obj], message=message, action_flag=ADDITION)[0]

    def log_change(self, request, obj, message):
        return audit.log_changes(user=request.user, objects=[obj], message=message, action_flag=CHANGE)[0]

    def log_deletions(self, request, queryset):
        return audit.log_changes(user=request.user, objects=queryset, message="", action_flag=DELETION)


class RefusedActionMixin:
    """An action the user may not run (its allowed_permissions) is not offered; posted anyway,
    it is refused with 403 rather than Django's "No action selected", so nothing runs either way."""

    def _refuse_unoffered_action(self, request):
        name = request.POST.get("action", "")
        # _get_base_actions: every action before the permission filter (Django's own list).
        every_action = {action_name for _function, action_name, _description in self._get_base_actions()}
        if name in every_action and name not in self.get_actions(request):
            raise PermissionDenied

    def changelist_view(self, request, extra_context=None):
        # Django looks at a posted action only when the user is offered some: one offered none
        # would get the list back rather than the refusal.
        if request.method == "POST" and "index" in request.POST:
            self._refuse_unoffered_action(request)
        return super().changelist_view(request, extra_context)

    def response_action(self, request, queryset):
        self._refuse_unoffered_action(request)
        return super().response_action(request, queryset)
