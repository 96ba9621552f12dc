// Keys on the review pages: an element with data-key="x" is chosen by pressing x.
// A decision button gets the focus (Enter then confirms it); a link is followed.
// Keys typed into a field, or pressed with a modifier, are left alone.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var key = event.key.toLowerCase();
    var chosen = document.querySelector('[data-key="' + (key.length === 1 ? key : "") + '"]');
    if (!chosen) return;
    event.preventDefault();
    if (chosen.tagName === "A") {
      window.location.assign(chosen.href);
    } else {
      chosen.focus();
    }
  });
})();
