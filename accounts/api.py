from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import services
from accounts.client_ip import client_ip
from accounts.serializers import MeSerializer, TokenRequestSerializer, TokenSerializer


class ClientScopedRateThrottle(ScopedRateThrottle):
    def get_ident(self, request):
        return client_ip(request)


class TokenView(APIView):
    """Exchange the email and password of a local account for its API token."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "auth_token"

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token = services.get_or_create_api_token(user=serializer.validated_data["user"])
        return Response({"token": token.key}, status=status.HTTP_200_OK)


class MeView(generics.RetrieveUpdateAPIView):
    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        user = self.request.user
        data = serializer.validated_data
        services.update_profile(
            user=user,
            name=data.get("name", user.name),
            language=data.get("language", user.language),
        )


class FeedTokenView(APIView):
    """Rotate the personal feed token: the old feed URL answers 404 from now on."""

    @extend_schema(request=None, responses={200: MeSerializer})
    def post(self, request):
        user = services.rotate_feed_token(user=request.user)
        return Response(MeSerializer(user, context={"request": request}).data)
