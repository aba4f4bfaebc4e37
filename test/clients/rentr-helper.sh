function rentr() {
  curl -s -X POST https://api.rentr.live/v1/chat \
    -H "X-API-Key: $RENTR_RENTAL_CODE" \
    -H "Content-Type: application/json" \
    -d "$(jq -n --arg msg "$*" '{message: $msg}')" \
    | jq -r '.response'
}
