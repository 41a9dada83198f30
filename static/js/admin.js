// The admin's own widgets, named for assistive technology where Django's scripts leave them
// unnamed. Loaded at the end of the page (templates/admin/base_site.html), so its handlers run
// after those of the scripts that build the widgets. Nothing else: the admin works without it.

// SelectFilter2 (filter_horizontal) builds its magnifying glass on "load": a <span> with an
// aria-label but no role.
window.addEventListener("load", () => {
  document.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach((icon) => {
    icon.setAttribute("role", "img");
  });
});

// select2 (autocomplete_fields), built when the document is ready, is labelled only by the chosen
// value, which is empty until one is chosen: name its box and its value by the field's <label>.
function nameAutocompleteBoxes() {
  document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
    const label = document.querySelector(`label[for="${select.id}"]`);
    const box = select.parentElement.querySelector(".select2-selection");
    if (!label || !box) return;
    label.id = label.id || `${select.id}-label`;
    const shown = box.getAttribute("aria-labelledby") || "";
    if (!shown.includes(label.id)) box.setAttribute("aria-labelledby", `${label.id} ${shown}`.trim());
    const value = box.querySelector(".select2-selection__rendered");
    if (value && !value.hasAttribute("aria-labelledby")) value.setAttribute("aria-labelledby", label.id);
  });
}

if (window.django && window.django.jQuery) {
  window.django.jQuery(nameAutocompleteBoxes);
}
