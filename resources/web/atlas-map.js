/* Stadtteil-Atlas map page.
 *
 * Python sends commands as JSON through one QWebChannel signal (bridge.command);
 * the page answers through the bridge's slots (ready, markerClicked, markerMoved).
 * Every text from the database is set with textContent or Leaflet tooltips built
 * from DOM nodes: nothing here parses user text as HTML, so names like
 * <img src=x onerror=...> stay text.
 */
(function () {
  "use strict";

  var A = (window.AtlasMap = {});
  var map = null;
  var bridge = null;
  var quarterLayer = null;
  var cluster = null;
  var markers = {}; // id -> L.Marker
  var places = {}; // id -> place
  var visibleIds = null; // null = all
  var selectedId = null;
  var legendControl = null;
  var legendCollapsed = window.innerHeight < 560 || window.innerWidth < 520; // small map: folded
  var baseLayer = null;
  var draggable = false;
  var density = null; // quarter id -> count, or null
  var quarterStyle = {};
  var lastPaintMs = 0;
  var commandsRun = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function popupContent(place) {
    var box = el("div", "atlas-popup");
    box.appendChild(el("h3", null, place.name));
    if (place.categoryName) box.appendChild(el("p", "muted", place.categoryName));
    if (place.address) box.appendChild(el("p", null, place.address));
    if (place.phone) box.appendChild(el("p", null, "Tel. " + place.phone));
    if (place.hours) box.appendChild(el("p", null, place.hours));
    if (place.offers && place.offers.length) {
      box.appendChild(el("p", "muted", "Angebote:"));
      var list = el("ul");
      place.offers.forEach(function (title) { list.appendChild(el("li", null, title)); });
      box.appendChild(list);
    }
    return box;
  }

  function dotIcon(place, selected) {
    var html = el("div", "atlas-dot" + (selected ? " selected" : "") + (draggable ? " draggable" : ""));
    html.style.background = safeColor(place.color);
    var size = selected ? 20 : 14;
    return L.divIcon({ html: html, className: "", iconSize: [size, size], iconAnchor: [size / 2, size / 2] });
  }

  function safeColor(value) {
    return /^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/.test(value || "") ? value : "#607d8b";
  }

  function makeMarker(place) {
    var marker = L.marker([place.lat, place.lon], { icon: dotIcon(place, false), draggable: draggable,
      keyboard: true, title: place.name });
    marker.atlasId = place.id;
    marker.bindPopup(function () { return popupContent(places[marker.atlasId]); }, { maxWidth: 320 });
    marker.on("click", function () {
      if (bridge) bridge.clicked(marker.atlasId);
    });
    marker.on("dragend", function () {
      var p = marker.getLatLng();
      if (bridge) bridge.moved(marker.atlasId, p.lat, p.lng);
    });
    return marker;
  }

  function paintDone(started) {
    // Two frames: the first lays out, the second is on screen.
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        lastPaintMs = performance.now() - started;
        if (bridge && bridge.painted) bridge.painted(lastPaintMs);
      });
    });
  }

  function refreshMarkers() {
    var started = performance.now();
    var wanted = [];
    var ids = visibleIds === null ? Object.keys(places) : visibleIds;
    for (var i = 0; i < ids.length; i++) {
      var m = markers[ids[i]];
      if (m) wanted.push(m);
    }
    // Clearing the layers closes an open popup: the selected place's opens again when it
    // is still shown (the list's filter comes after the selection when the list settles).
    var selected = selectedId !== null ? markers[selectedId] : null;
    var reopen = selected && selected.isPopupOpen();
    cluster.clearLayers();
    cluster.addLayers(wanted);
    if (reopen && cluster.hasLayer(selected)) {
      cluster.zoomToShowLayer(selected, function () { selected.openPopup(); });
    }
    paintDone(started);
  }

  function styleQuarter(feature) {
    var props = feature.properties;
    var color = safeColor(props.color);
    if (density) {
      return { color: "#333", weight: 1.5, fillColor: densityColor(density[props.id] || 0), fillOpacity: 0.65 };
    }
    return { color: color, weight: 2.5, fillColor: color, fillOpacity: 0.08 };
  }

  var DENSITY_COLORS = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"];
  var densitySteps = [0, 1, 2, 3, 4];

  function densityColor(n) {
    var idx = 0;
    for (var i = 0; i < densitySteps.length; i++) if (n >= densitySteps[i]) idx = i;
    return DENSITY_COLORS[idx];
  }

  function buildLegend() {
    if (legendControl) map.removeControl(legendControl);
    legendControl = L.control({ position: "bottomright" });
    legendControl.onAdd = function () {
      var box = el("div", "atlas-legend" + (legendCollapsed ? " collapsed" : ""));
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      box.title = "Legende ein- oder ausklappen";
      box.addEventListener("click", function () {
        legendCollapsed = !legendCollapsed;
        box.classList.toggle("collapsed", legendCollapsed);
      });
      if (density) {
        box.appendChild(el("h4", null, A.densityTitle || "Angebote je Quartier"));
        for (var i = 0; i < densitySteps.length; i++) {
          var row = el("div");
          var sw = el("span", "swatch box");
          sw.style.background = DENSITY_COLORS[i];
          row.appendChild(sw);
          var label = i === densitySteps.length - 1 ? densitySteps[i] + " und mehr" :
            (densitySteps[i + 1] - 1 > densitySteps[i] ? densitySteps[i] + "–" + (densitySteps[i + 1] - 1) : String(densitySteps[i]));
          row.appendChild(document.createTextNode(label));
          box.appendChild(row);
        }
      } else {
        box.appendChild(el("h4", null, "Kategorien"));
        (A.legend || []).forEach(function (item) {
          var row = el("div");
          var sw = el("span", "swatch");
          sw.style.background = safeColor(item.color);
          row.appendChild(sw);
          row.appendChild(document.createTextNode(item.name + " (" + item.count + ")"));
          box.appendChild(row);
        });
      }
      (A.notes || []).forEach(function (note) { box.appendChild(el("div", "note", note)); });
      return box;
    };
    legendControl.addTo(map);
  }

  function setData(data) {
    places = {};
    markers = {};
    (data.places || []).forEach(function (p) {
      places[p.id] = p;
      markers[p.id] = makeMarker(p);
    });
    A.legend = data.legend || [];
    A.withoutCoordinates = data.withoutCoordinates || 0;
    A.notes = data.notes || [];
    if (quarterLayer) map.removeLayer(quarterLayer);
    quarterLayer = L.geoJSON(data.quarters, {
      style: styleQuarter,
      interactive: false,
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(el("span", null, feature.properties.name), {
          permanent: true, direction: "center", className: "quarter-label" });
      },
    }).addTo(map);
    quarterLayer.bringToBack();
    buildLegend();
    refreshMarkers();
  }

  /* A few places again (a geocoding batch: one per answer), the rest stays: new or
     changed markers replace their old ones, gone ones leave, the legend is redrawn. */
  function updatePlaces(data) {
    var wanted = visibleIds === null ? null : new Set(visibleIds);
    (data.gone || []).forEach(function (id) {
      if (markers[id]) cluster.removeLayer(markers[id]);
      delete markers[id];
      delete places[id];
    });
    (data.places || []).forEach(function (p) {
      if (markers[p.id]) cluster.removeLayer(markers[p.id]);
      places[p.id] = p;
      var marker = makeMarker(p);
      markers[p.id] = marker;
      if (p.id === selectedId) marker.setIcon(dotIcon(p, true));
      if (wanted === null || wanted.has(String(p.id))) cluster.addLayer(marker);
    });
    A.legend = data.legend || [];
    A.withoutCoordinates = data.withoutCoordinates || 0;
    buildLegend();
  }

  function fit(target) {
    var bounds = null;
    if (target && target.quarter !== undefined && quarterLayer) {
      quarterLayer.eachLayer(function (layer) {
        if (layer.feature.properties.id === target.quarter) bounds = layer.getBounds();
      });
    }
    if (!bounds && quarterLayer && quarterLayer.getLayers().length) bounds = quarterLayer.getBounds();
    if (!bounds) {
      var pts = Object.keys(places).map(function (k) { return [places[k].lat, places[k].lon]; });
      if (pts.length) bounds = L.latLngBounds(pts);
    }
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], animate: false });
  }

  function select(id, openPopup) {
    if (selectedId !== null && markers[selectedId] && places[selectedId]) {
      markers[selectedId].setIcon(dotIcon(places[selectedId], false));
    }
    selectedId = id;
    var marker = markers[id];
    if (!marker) return false;
    marker.setIcon(dotIcon(places[id], true));
    if (openPopup) {
      if (cluster.hasLayer(marker)) {
        cluster.zoomToShowLayer(marker, function () { marker.openPopup(); });
      } else {
        map.setView(marker.getLatLng(), Math.max(map.getZoom(), 16), { animate: false });
      }
    }
    return true;
  }

  function setBase(mode, url, attribution, maxZoom) {
    if (baseLayer) { map.removeLayer(baseLayer); baseLayer = null; }
    if (mode === "none" || !url) return;
    baseLayer = L.tileLayer(url, { attribution: attribution || "", maxZoom: maxZoom || 19,
      maxNativeZoom: maxZoom || 19, crossOrigin: false });
    baseLayer.addTo(map);
    baseLayer.bringToBack();
  }

  function setDraggable(on) {
    draggable = !!on;
    Object.keys(markers).forEach(function (k) {
      var m = markers[k];
      if (m.dragging) { if (draggable) m.dragging.enable(); else m.dragging.disable(); }
      m.setIcon(dotIcon(places[k], Number(k) === selectedId));
    });
  }

  function setDensity(counts, title, steps) {
    density = counts;
    A.densityTitle = title || null;
    if (steps && steps.length === DENSITY_COLORS.length) densitySteps = steps;
    if (quarterLayer) quarterLayer.setStyle(styleQuarter);
    buildLegend();
  }

  function movePlace(id, lat, lon) {
    var place = places[id];
    if (!place) return;
    place.lat = lat;
    place.lon = lon;
    markers[id].setLatLng([lat, lon]);
    refreshMarkers();
  }

  var placing = false;

  function setPlaceMode(on) {
    placing = !!on;
    map.getContainer().style.cursor = placing ? "crosshair" : "";
  }

  var COMMANDS = {
    placeMode: function (a) { setPlaceMode(a.on); },
    setData: function (a) { setData(a.data); if (a.fit) fit(null); },
    updatePlaces: function (a) { updatePlaces(a.data); },
    filter: function (a) { visibleIds = a.ids === null ? null : a.ids.map(String); refreshMarkers(); },
    select: function (a) { select(a.id, a.popup !== false); },
    fit: function (a) { fit(a); },
    base: function (a) { setBase(a.mode, a.url, a.attribution, a.maxZoom); },
    draggable: function (a) { setDraggable(a.on); },
    density: function (a) { setDensity(a.counts, a.title, a.steps); },
    move: function (a) { movePlace(a.id, a.lat, a.lon); },
    /* A long message (the data of 10,000 places) comes in parts, so that the program's
       window keeps drawing between them; the last one runs the whole. */
    part: function (a) { parts.push(a.text); },
    joined: function () { var text = parts.join(""); parts = []; run(text); },
  };
  var parts = [];

  function run(json) {
    var message = JSON.parse(json);
    var fn = Object.prototype.hasOwnProperty.call(COMMANDS, message.op) ? COMMANDS[message.op] : null;
    if (!fn) throw new Error("unknown map command");
    fn(message.args || {});
    commandsRun++;
  }

  /* For tests and the benchmark: what the page shows now. */
  A.state = function () {
    var open = null;
    map.eachLayer(function (layer) {
      if (layer instanceof L.Popup && map.hasLayer(layer)) open = layer.getElement() ? layer.getElement().innerText : "";
    });
    return {
      markers: cluster.getLayers().length,
      places: Object.keys(places).length,
      quarters: quarterLayer ? quarterLayer.getLayers().length : 0,
      selected: selectedId,
      popup: open,
      base: baseLayer ? baseLayer._url : null,
      density: density !== null,
      draggable: draggable,
      placing: placing,
      lastPaintMs: lastPaintMs,
      commandsRun: commandsRun,
      legend: legendControl ? legendControl.getContainer().textContent : "",
    };
  };
  A.run = run;
  /* For tests: one place as the page has it, and whether its marker is on the map. */
  A.place = function (id) {
    var p = places[id];
    return p ? { name: p.name, lat: p.lat, lon: p.lon, shown: cluster.hasLayer(markers[id]) } : null;
  };
  /* For tests: the Leaflet marker of a place (to fire a click as a user would). */
  A.marker = function (id) { return markers[id] || null; };

  A.start = function (leafletMap, embedded) {
    map = leafletMap;
    if (!map.options.maxZoom) map.setMaxZoom(19); // MarkerCluster needs it; there is no tile layer yet
    cluster = L.markerClusterGroup({ chunkedLoading: false, showCoverageOnHover: false,
      maxClusterRadius: 45, spiderfyOnMaxZoom: true, disableClusteringAtZoom: 18 });
    map.addLayer(cluster);
    map.attributionControl.setPrefix(false);
    map.on("click", function (event) {
      if (!placing) return;
      setPlaceMode(false);
      if (bridge) bridge.placed(event.latlng.lat, event.latlng.lng);
    });
    L.control.scale({ imperial: false }).addTo(map);
    if (embedded) {
      setData(embedded);
      fit(null);
      return;
    }
    if (window.qt && window.qt.webChannelTransport) {
      new QWebChannel(window.qt.webChannelTransport, function (channel) {
        bridge = channel.objects.bridge;
        bridge.command.connect(function (json) {
          try { run(json); } catch (err) { bridge.failed(String(err && err.message ? err.message : err)); }
        });
        bridge.ready();
      });
    }
  };
})();
