from .urls_cycle import urlpatterns as cycle_urlpatterns

app_name = "courses"

urlpatterns = []

urlpatterns += cycle_urlpatterns
