// Clicks on suggestions: the card's link goes straight to the dish's page, and as it is followed
// this tells the server which suggestion it was (a POST with the page's CSRF token, sent with
// navigator.sendBeacon so that it survives the page being left). Without JavaScript the link
// works all the same; the click is just not logged.
(function () {
  "use strict";

  function send(link) {
    var list = link.closest("[data-click-url]");
    if (!list) return;
    var body = new FormData();
    body.append("csrfmiddlewaretoken", list.getAttribute("data-csrf-token") || "");
    body.append("dish", link.getAttribute("data-click-dish") || "");
    // The suggestion's origin (ranker, model_version, position, q) as the card rendered it.
    new URLSearchParams(link.getAttribute("data-click-origin") || "").forEach(
      function (value, name) {
        body.append(name, value);
      }
    );
    var url = list.getAttribute("data-click-url");
    if (navigator.sendBeacon && navigator.sendBeacon(url, body)) return;
    fetch(url, { method: "POST", body: body, credentials: "same-origin", keepalive: true })
      .catch(function () {});
  }

  function followed(event) {
    // The main button (a click, or Enter on the link) and the middle one (a new tab).
    if (event.button !== 0 && event.button !== 1) return;
    var link = event.target.closest && event.target.closest("a[data-click-dish]");
    if (link) send(link);
  }

  document.addEventListener("click", followed);
  document.addEventListener("auxclick", followed);
})();
