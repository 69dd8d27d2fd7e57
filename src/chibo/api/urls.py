from ninja import NinjaAPI

api = NinjaAPI(title="Chibo API", version="1", urls_namespace="api")
