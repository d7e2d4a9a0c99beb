from django.urls import path

from followups import views

app_name = "followups"

urlpatterns = [
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("checkin/<str:token>/done/", views.checkin_done, name="checkin_done"),
    path("checkin-stop/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("followups/sms/inbound/", views.sms_inbound, name="sms_inbound"),
]
