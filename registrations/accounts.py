"""The site's allauth adapter: how accounts count clients, limit failed logins and send their emails."""

from allauth.account.adapter import DefaultAccountAdapter

from ewevents.client_address import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request):
        # allauth's own limits count the client the way ours do (allauth keeps an IPv6 /64 too).
        return client_ip(request)
